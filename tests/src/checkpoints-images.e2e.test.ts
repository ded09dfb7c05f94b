import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sniffImage } from '@ml-intern/core';
import { anthropicScript, startFakeAnthropic, startFakeOpenAI, testPng } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, HEADLESS, isolatedEnv, runBinary } from './run-binary.js';

// `@path` image attachments in one-shot and headless runs (downscaled to the provider's limits
// before they are sent), and `sessions show --diff` from a run's workspace checkpoints, through
// the built binaries against fake providers.

const scratch: string[] = [];
afterEach(() => {
  for (const directory of scratch.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function workspace(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'ml-intern-e2e-ws-'));
  scratch.push(directory);
  return directory;
}

describe('@path images in unattended runs', () => {
  it('one-shot: the Anthropic request carries the image, downscaled to a 1568 px long edge', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.text('The loss goes down.')] });
    const env = isolatedEnv({ ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'sk-ant-test-0123456789abcdef', ML_INTERN_MODEL: 'anthropic/claude-opus-4-6' });
    const cwd = workspace();
    writeFileSync(path.join(cwd, 'plot.png'), testPng(3136, 200));
    const run = await runBinary(CLI, ['look at @plot.png and tell me'], { env, cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('The loss goes down.');
    expect(run.stderr).toContain('attached plot.png (PNG 3136×200');
    const messages = fake.messageBodies[0]?.messages as { role: string; content: { type: string; text?: string; source?: { media_type: string; data: string } }[] }[];
    const content = messages.at(-1)?.content ?? [];
    expect(content[0]).toEqual({ type: 'text', text: 'look at @plot.png and tell me' });
    const image = content.find((block) => block.type === 'image');
    expect(image?.source?.media_type).toBe('image/png');
    expect(sniffImage(Buffer.from(image?.source?.data ?? '', 'base64'))).toMatchObject({ width: 1568, height: 100 });
  });

  it('headless: the OpenAI request carries the image fitted to 2048 px and a 768 px short side; a missing file is reported', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ text: 'looked' }] });
    const env = isolatedEnv({ OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: 'openai/gpt-4o' });
    const cwd = workspace();
    writeFileSync(path.join(cwd, 'confusion.png'), testPng(2000, 1500));
    const run = await runBinary(HEADLESS, ['compare @confusion.png with @missing.png'], { env, cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('@missing.png: no such file');
    const messages = (fake.modelRequests[0]?.json as { messages: { role: string; content: unknown }[] }).messages;
    const parts = messages.at(-1)?.content as { type: string; image_url?: { url: string } }[];
    const url = parts.find((part) => part.type === 'image_url')?.image_url?.url ?? '';
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    expect(sniffImage(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64'))).toMatchObject({ width: 1024, height: 768 });
  });
});

describe('ml-intern sessions show --diff', () => {
  it('prints what a past one-shot run changed in its workspace', async () => {
    await using fake = await startFakeOpenAI({
      steps: [{ toolCalls: [{ name: 'write', arguments: { path: 'eval.py', content: 'print("accuracy")\n' } }] }, { text: 'wrote it' }],
    });
    const env = isolatedEnv({ OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: 'openai/gpt-4o' });
    const cwd = workspace();
    writeFileSync(path.join(cwd, 'train.py'), 'lr = 1\n');
    const run = await runBinary(CLI, ['write an eval script'], { env, cwd });
    expect(run.code, run.stderr).toBe(0);
    const shown = await runBinary(CLI, ['sessions', 'show', 'last', '--diff'], { env, cwd });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/Changes session \S+ made in /);
    expect(shown.stdout).toMatch(/eval\.py \| 1 \+/);
    expect(shown.stdout).toContain('+print("accuracy")');
    expect(shown.stdout).not.toContain('train.py');
  });
});

describe('ml-intern interactive /rewind', () => {
  it('lists the turn with its file change, previews the diff, restores the file and the conversation', async () => {
    await using fake = await startFakeOpenAI({
      steps: [{ toolCalls: [{ name: 'write', arguments: { path: 'notes.md', content: 'lr sweep: 1e-4 best\n' } }] }, { text: 'wrote the notes' }, { text: 'starting again' }],
    });
    const env = isolatedEnv({ OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: 'openai/gpt-4o' });
    const cwd = workspace();
    writeFileSync(path.join(cwd, 'train.py'), 'lr = 1\n');
    const run = await runBinary(CLI, ['--yolo'], { env, cwd, input: 'write the sweep notes\n/rewind\n1\nb\ny\nhello again\n/quit\n' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/1 {2}write the sweep notes\s+1 file: A notes\.md/);
    expect(run.stdout).toContain('Restoring the files changes this:');
    expect(run.stdout).toContain('-lr sweep: 1e-4 best');
    expect(run.stdout).toMatch(/Rewound to before turn 1: 1 file restored, \d+ messages removed\./);
    expect(existsSync(path.join(cwd, 'notes.md'))).toBe(false);
    const messages = (fake.modelRequests[2]?.json as { messages: { role: string; content: unknown }[] }).messages;
    const text = JSON.stringify(messages);
    expect(text).not.toContain('write the sweep notes');
    expect(text).toContain('rewound the conversation and the workspace files to before turn 1');
    expect(text).toContain('hello again');
  });
});

describe('ml-intern interactive: the plot the model reads, on the terminal', () => {
  it('is drawn as sixel when asked for (ML_INTERN_INLINE_IMAGES), and its path shown otherwise', async () => {
    const steps = () => [{ toolCalls: [{ name: 'read', arguments: { path: 'loss.png' } }] }, { text: 'it goes down' }];
    const cwd = workspace();
    writeFileSync(path.join(cwd, 'loss.png'), testPng(300, 200));
    await using sixel = await startFakeOpenAI({ steps: steps() });
    const drawn = await runBinary(CLI, ['--yolo'], { env: isolatedEnv({ OPENAI_BASE_URL: sixel.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: 'openai/gpt-4o', ML_INTERN_INLINE_IMAGES: 'sixel' }), cwd, input: 'plot it\n/quit\n' });
    expect(drawn.code, drawn.stderr).toBe(0);
    expect(drawn.stdout).toMatch(/\u001BP0;1;q"1;1;\d+;\d+/);
    await using plain = await startFakeOpenAI({ steps: steps() });
    const listed = await runBinary(CLI, ['--yolo'], { env: isolatedEnv({ OPENAI_BASE_URL: plain.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: 'openai/gpt-4o' }), cwd, input: 'plot it\n/quit\n' });
    expect(listed.stdout).toContain(`image: ${path.join(realpathSync(cwd), 'loss.png')}`);
    expect(listed.stdout).not.toContain('\u001BP');
  });
});
