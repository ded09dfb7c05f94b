import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createSession, defineTool, type AgentConfig } from '@ml-intern/core';
import { ScriptedModel, type ScriptedTurn } from '@ml-intern/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { temporaryDirectories } from '@ml-intern/testing';
import { ProjectInstructions, formatInstructionsSection } from '../runtime/project-instructions.js';
import type { Runtime } from '../runtime/runtime-types.js';
import { CaptureOutput } from './__fixtures__/capture-output.js';
import { expandCustomCommand, loadCustomCommands, parseCommandFile } from './custom-commands.js';
import { runInteractive } from './run-interactive.js';
import { INIT_PROMPT, builtinCommandNames } from './slash-commands.js';

const scratch = temporaryDirectories();
afterEach(() => scratch.removeAll());
const temporary = scratch.make;

/** A home with a user AGENTS.md and a user command; a git project with AGENTS.md at the root, one below, and a project command. */
function layout() {
  const home = temporary('memory-home-');
  const configDir = path.join(home, '.config', 'ml-intern');
  mkdirSync(path.join(configDir, 'commands'), { recursive: true });
  writeFileSync(path.join(configDir, 'AGENTS.md'), 'USER: push to the team/ namespace.\n');
  writeFileSync(path.join(configDir, 'commands', 'summarize.md'), 'Summarize the session so far.\n');
  writeFileSync(path.join(configDir, 'commands', 'status.md'), 'A command that clashes with /status.\n');
  const root = temporary('memory-project-');
  mkdirSync(path.join(root, '.git'));
  mkdirSync(path.join(root, '.ml-intern', 'commands'), { recursive: true });
  writeFileSync(path.join(root, 'AGENTS.md'), 'ROOT: our datasets live in org acme.\n');
  writeFileSync(
    path.join(root, '.ml-intern', 'commands', 'eval-checkpoint.md'),
    '---\ndescription: "Evaluate a checkpoint on the test split"\n---\nEvaluate the checkpoint $ARGUMENTS on the test split and report accuracy.\n',
  );
  const cwd = path.join(root, 'train');
  mkdirSync(cwd);
  writeFileSync(path.join(cwd, 'ML_INTERN.md'), 'NEAREST: use bf16.\n');
  const env: Record<string, string> = { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), NO_COLOR: '1' };
  return { home, configDir, root, cwd, env };
}

/** A runtime like createRuntime's: the system prompt renders the instruction files on every render; the model echoes the last user message. */
function runtimeFor(options: { cwd: string; env: Record<string, string>; trusted: boolean; dataDir: string }) {
  const instructions = new ProjectInstructions({ cwd: options.cwd, env: options.env, trusted: options.trusted });
  const write = defineTool({
    name: 'write',
    description: 'Write a file.',
    inputSchema: z.object({ path: z.string(), content: z.string() }),
    approval: () => ({ decision: 'allow' }),
    execute: async (input) => `wrote ${input.path}`,
  });
  const model = new ScriptedModel({
    id: 'scripted/memory',
    turns: (request): ScriptedTurn => {
      const last = request.messages.at(-1);
      if (last?.role === 'user' && last.content.startsWith('Draft an AGENTS.md')) {
        return { toolCalls: [{ name: 'write', arguments: { path: 'AGENTS.md', content: '# Project\nTrains llama.\n' } }] };
      }
      return { text: last?.role === 'user' ? `You said: ${last.content}` : 'done' };
    },
  });
  const session = createSession({
    model,
    tools: [write],
    systemPrompt: () => `You are a test.\n\n${formatInstructionsSection(instructions.reload())}`,
    interactive: true,
    dataDir: options.dataDir,
  });
  const runtime: Runtime = {
    session,
    config: { budget_usd: null } as unknown as AgentConfig,
    configDigest: 'test',
    model,
    policy: session.policy,
    store: undefined,
    description: { runtime: 'local (test)', network: false, gpu: [] },
    instructions,
    setModel: async () => 'scripted/memory',
    close: () => session.close(),
  };
  return { runtime, model };
}

async function chat(lines: string[], options: { trusted: boolean; between?: (index: number, files: ReturnType<typeof layout>) => void }) {
  const files = layout();
  const dataDir = temporary('memory-data-');
  const { runtime, model } = runtimeFor({ cwd: files.cwd, env: files.env, trusted: options.trusted, dataDir });
  const input = new PassThrough();
  const output = new CaptureOutput();
  let approval = false;
  runtime.session.subscribe((event) => {
    if (event.type === 'approval_required') approval = true;
  });
  const chatting = runInteractive(runtime, { input, output, historyFile: path.join(dataDir, 'history'), env: files.env, askHfToken: false });
  // One line at a time, each after the previous one was handled (the session is idle again).
  for (const [index, line] of lines.entries()) {
    options.between?.(index, files);
    approval = false;
    input.write(`${line}\n`);
    await new Promise((resolve) => setTimeout(resolve, 30));
    while (runtime.session.busy && !approval) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  input.end();
  const code = await chatting;
  return { code, text: output.text, model, runtime, files };
}

describe('project instructions in the session', () => {
  it('sends AGENTS.md / ML_INTERN.md in the system prompt (user file first, nearest last); /status lists them; /memory picks up an edit', async () => {
    const { code, text, model, files } = await chat(['hello', '/status', '/memory', 'again'], {
      trusted: false,
      between: (index, layoutFiles) => {
        if (index === 2) writeFileSync(path.join(layoutFiles.root, 'AGENTS.md'), 'ROOT: datasets moved to org acme-v2.\n');
      },
    });
    expect(code).toBe(0);
    const [first, second] = model.requests.map((request) => request.system ?? '');
    expect(first).toContain('USER: push to the team/ namespace.');
    expect(first).toContain('ROOT: our datasets live in org acme.');
    expect(first?.indexOf('USER:')).toBeLessThan(first?.indexOf('ROOT:') ?? 0);
    expect(first?.indexOf('ROOT:')).toBeLessThan(first?.indexOf('NEAREST:') ?? 0);
    // No trust decision for the folder: its files are marked as coming from the project.
    expect(first).toContain(`## ${path.join(files.root, 'AGENTS.md')} (from the project (untrusted folder))`);
    expect(first).toContain("(the user's own instructions)");
    expect(second).toContain('ROOT: datasets moved to org acme-v2.');
    expect(second).not.toContain('org acme.');
    expect(text).toMatch(/instructions +3 files \(AGENTS\.md, ML_INTERN\.md; \/memory reloads\)/);
    expect(text).toContain('    ~/.config/ml-intern/AGENTS.md (35 bytes; user)');
    expect(text).toContain('train/ML_INTERN.md (19 bytes; project, untrusted: marked as from the project)');
    expect(text).toContain('Reloaded: the model sees them from its next call.');
  });
});

describe('custom commands', () => {
  it('a trusted project command expands with its arguments; /help lists it; a built-in name is refused', async () => {
    const { text, model } = await chat(['/help', '/eval-checkpoint runs/ckpt-500  --split test', '/summarize'], { trusted: true });
    expect(text).toMatch(/\/status \(.*status\.md\) ignored: \/status is a built-in command/);
    expect(text).toMatch(/Custom commands\n {2}\/eval-checkpoint \[args\] Evaluate a checkpoint on the test split \(project\)\n {2}\/summarize \[args\] +Summarize the session so far\. \(user\)/);
    const users = model.requests.map((request) => {
      const last = request.messages.at(-1);
      return last?.role === 'user' ? last.content : '';
    });
    expect(users).toEqual(['Evaluate the checkpoint runs/ckpt-500  --split test on the test split and report accuracy.', 'Summarize the session so far.']);
    expect(text).toContain('You said: Evaluate the checkpoint runs/ckpt-500  --split test');
  });

  it('an untrusted project’s commands are not loaded, and that is announced', async () => {
    const { text, model } = await chat(['/eval-checkpoint runs/ckpt-500', '/help'], { trusted: false });
    expect(text).toMatch(/This project's custom commands \(1 in .*\.ml-intern\/commands\) are not loaded: the folder is not trusted/);
    expect(text).toContain('Unknown command /eval-checkpoint');
    expect(text).not.toContain('/eval-checkpoint [args]');
    expect(text).toContain('/summarize [args]');
    expect(model.requests).toHaveLength(0);
  });

  it('parses front matter and replaces or appends the arguments', () => {
    expect(parseCommandFile('---\ndescription: Run eval\n---\nDo $ARGUMENTS now')).toEqual({ description: 'Run eval', body: 'Do $ARGUMENTS now' });
    expect(parseCommandFile('No front matter')).toEqual({ description: undefined, body: 'No front matter' });
    const command = { name: 'x', description: '', body: 'Look at the loss.', file: 'x.md', scope: 'user' as const };
    expect(expandCustomCommand(command, 'run 3')).toBe('Look at the loss.\n\nArguments: run 3');
    expect(expandCustomCommand({ ...command, body: 'A $ARGUMENTS B $ARGUMENTS' }, '$1 & more')).toBe('A $1 & more B $1 & more');
    expect(builtinCommandNames()).toEqual(expect.arrayContaining(['help', 'status', 'memory', 'init', 'exit']));
  });

  it('skips FIFOs and oversized files among the command files', () => {
    const dir = temporary('commands-');
    mkdirSync(path.join(dir, 'commands'));
    writeFileSync(path.join(dir, 'commands', 'huge.md'), 'x'.repeat(70 * 1024));
    writeFileSync(path.join(dir, 'commands', 'Bad Name.md'), 'x');
    const loaded = loadCustomCommands({ userDir: dir, projectRoot: temporary('none-'), trusted: true, reserved: [] });
    expect(loaded.commands.size).toBe(0);
    expect(loaded.notices.join('\n')).toMatch(/Bad Name\.md ignored: a command name is[\s\S]*huge\.md ignored: it is larger than 64 KiB/);
  });
});

describe('/init', () => {
  it('asks the model to draft AGENTS.md, and its write asks for approval before it happens', async () => {
    const { text, model, runtime } = await chat(['/init', 'n'], { trusted: true });
    const firstUser = model.requests[0]?.messages.at(-1);
    expect(firstUser?.role === 'user' && firstUser.content).toBe(INIT_PROMPT);
    expect(text).toContain('? Approve write?');
    expect(text).toContain('Asking the model to draft AGENTS.md; you see it and approve it before it is written.');
    expect(text).toContain('why: session rule: ask write when path=AGENTS.md');
    expect(text).toContain('Rejected write.');
    expect(runtime.session.policy.sessionRules).toEqual(expect.arrayContaining([expect.objectContaining({ tool: 'write', action: 'ask', args: { path: 'AGENTS.md' } })]));
  });
});
