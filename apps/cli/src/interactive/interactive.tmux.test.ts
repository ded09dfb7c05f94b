import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The chat in a real pseudo-terminal: tmux runs the demo entry (a real Session with a
// ScriptedModel), keys are sent with send-keys, and the screen is read with capture-pane.
const TMUX = '/usr/bin/tmux';
const appDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEMO = 'src/interactive/__fixtures__/interactive-demo.mts';

class TmuxTerminal {
  readonly socket = `ml-intern-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  start(env: Record<string, string>, unset: string[] = []): void {
    const directory = temporaryDirectory();
    const config = path.join(directory, 'tmux.conf');
    // Keep the pane after the program exits so its last words can be read.
    writeFileSync(config, 'set -g history-limit 5000\nset -g remain-on-exit on\n');
    const assignments = Object.entries(env).map(([name, value]) => `${name}=${value}`);
    const command = ['env', ...unset.flatMap((name) => ['-u', name]), ...assignments, process.execPath, '--import', 'tsx', DEMO].join(' ');
    this.#tmux(['-f', config, 'new-session', '-d', '-s', 'main', '-x', '100', '-y', '40', '-c', appDirectory, command]);
  }

  /** Type text literally, then press Enter. */
  type(text: string): void {
    this.#tmux(['send-keys', '-t', 'main', '-l', text]);
    this.keys('Enter');
  }

  keys(...keys: string[]): void {
    this.#tmux(['send-keys', '-t', 'main', ...keys]);
  }

  /** The whole pane, scrollback included, with wrapped lines joined. */
  screen(): string {
    return this.#tmux(['capture-pane', '-p', '-J', '-t', 'main', '-S', '-']);
  }

  /** Poll the screen until `expected` shows up (or fail with what the screen showed). */
  async waitFor(expected: string | RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (typeof expected === 'string' ? screen.includes(expected) : expected.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(expected)}; the screen shows:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  kill(): void {
    try {
      this.#tmux(['kill-server']);
    } catch {
      // Already gone.
    }
    // tmux leaves the socket file of a -L socket behind.
    rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
  }

  #tmux(args: string[]): string {
    return execFileSync(TMUX, ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
}

const terminals: TmuxTerminal[] = [];
const directories: string[] = [];
afterEach(() => {
  for (const terminal of terminals.splice(0)) terminal.kill();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function temporaryDirectory(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'interactive-tmux-'));
  directories.push(directory);
  return directory;
}

function openTerminal(): TmuxTerminal {
  const terminal = new TmuxTerminal();
  terminals.push(terminal);
  return terminal;
}

describe.skipIf(!existsSync(TMUX))('interactive chat in a terminal (tmux)', () => {
  it('asks for the HF token, runs a turn with an approval, /undo, /compact, Ctrl-C and /quit', async () => {
    const home = temporaryDirectory();
    const terminal = openTerminal();
    terminal.start({ HF_HOME: path.join(home, 'hf'), DEMO_DATA_DIR: home, DEMO_HISTORY_FILE: path.join(home, 'history'), DEMO_SLOW_DELAY_MS: '300' }, ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'NO_COLOR']);

    await terminal.waitFor('Paste a token (input hidden, Enter to skip):');
    terminal.type('hf_tmux_secret');
    let screen = await terminal.waitFor('Describe a task.');
    expect(screen).toContain(`Saved to ${path.join(home, 'hf', 'token')}`);
    expect(screen).not.toContain('hf_tmux_secret');
    expect(readFileSync(path.join(home, 'hf', 'token'), 'utf8')).toBe('hf_tmux_secret');
    expect(statSync(path.join(home, 'hf', 'token')).mode & 0o777).toBe(0o600);

    terminal.type('list the files');
    screen = await terminal.waitFor('approve [y/n/a/e/feedback] ›');
    expect(screen).toContain('● shell $ ls -la');
    expect(screen).toContain('? Approve shell?');
    expect(screen).toContain('why: shell commands can change files');
    expect(screen).toContain('y yes · n no · e edit the command first\n  a always, adding the session rule: allow shell for ls -la');
    terminal.type('a');
    screen = await terminal.waitFor('Plan (1/2 done)');
    expect(screen).toContain('Approved shell; added session rule: allow shell for ls -la.');
    // The live progress lines were replaced by the collapsed result.
    expect(screen).toContain('Approved shell; added session rule: allow shell for ls -la.\n\n● shell $ ls -la\n  ⎿ total 3\n    drwxr-xr-x  data\n    -rw-r--r--  train.py\n    … 3 more lines');
    expect(screen).not.toContain('earlier line');
    // Markdown rendered for the terminal: no asterisks, backticks or fences left.
    expect(screen).toContain('The project has 6 entries:');
    expect(screen).toMatch(/\* train\.py, the training script/);
    expect(screen).toContain('print("hello")');
    expect(screen).not.toContain('```');
    expect(screen).toContain('  [x] List the files\n  [~] Summarise them');

    terminal.type('thanks');
    await terminal.waitFor('You said: thanks');
    terminal.type('/undo');
    await terminal.waitFor('Undid the last turn (2 messages removed).');
    terminal.type('/compact');
    await terminal.waitFor(/Context compacted \(manual\): [\d,]+ → [\d,]+ tokens, \d+ messages summarised\./);

    terminal.type('tell me a story');
    await terminal.waitFor('Paragraph 2 of a long story');
    terminal.keys('C-c');
    screen = await terminal.waitFor('Interrupted.');
    expect(screen).toContain('Cancelling the turn… (Ctrl-C again to quit)');
    expect(screen).not.toContain('Paragraph 40 of');

    // With no turn running, Ctrl-C clears what is typed.
    terminal.keys('-l', 'half-typed');
    await terminal.waitFor('› half-typed');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    terminal.keys('C-c');
    await terminal.waitFor((/› $/m));
    terminal.type('/status');
    screen = await terminal.waitFor('approvals  default · 1 session rule');
    expect(screen).toMatch(/context {4}[\d,]+ \/ 200,000 tokens/);
    expect(screen).not.toContain('half-typed/status');

    terminal.type('/quit');
    await terminal.waitFor('[demo exited with code 0]');
    const history = readFileSync(path.join(home, 'history'), 'utf8').split('\n');
    expect(history.slice(0, 3)).toEqual(['/quit', '/status', 'tell me a story']);
    expect(history).toContain('list the files');
    expect(history).not.toContain('a');
    expect(history.join('\n')).not.toContain('hf_tmux_secret');
  });

  it('e opens the command in $EDITOR and runs the edited call', async () => {
    const home = temporaryDirectory();
    // A non-interactive "editor": it rewrites the file it is given, as a user would.
    const editor = path.join(home, 'edit-command.sh');
    writeFileSync(editor, `#!/bin/sh\nsed -i 's/ls -la/ls -l data/' "$1"\n`, { mode: 0o755 });
    const terminal = openTerminal();
    terminal.start({ HF_TOKEN: 'hf_set', DEMO_DATA_DIR: home, EDITOR: editor }, ['VISUAL']);
    await terminal.waitFor('Describe a task.');
    terminal.type('list the files');
    let screen = await terminal.waitFor('approve [y/n/a/e/feedback] ›');
    expect(screen).toContain('e edit the command first');
    terminal.type('e');
    screen = await terminal.waitFor('Approved shell with the command as edited.');
    await terminal.waitFor('All done.');
    // The model was told which command ran.
    const log = readdirSync(path.join(home, 'sessions')).map((file) => readFileSync(path.join(home, 'sessions', file), 'utf8')).join('\n');
    expect(log).toContain('The user edited this call before approving it; it ran with these arguments: {\\"command\\":\\"ls -l data\\"}');
    terminal.type('/quit');
    await terminal.waitFor('[demo exited with code 0]');
  });

  it('quits with code 130 on Ctrl-C twice during a turn', async () => {
    const home = temporaryDirectory();
    const terminal = openTerminal();
    terminal.start({ HF_TOKEN: 'hf_set', DEMO_DATA_DIR: home, DEMO_SLOW_DELAY_MS: '300' });
    await terminal.waitFor('Describe a task.');
    terminal.type('tell me a story');
    await terminal.waitFor('Paragraph 1 of a long story');
    terminal.keys('C-c', 'C-c');
    const screen = await terminal.waitFor('[demo exited with code 130]');
    expect(screen).not.toContain('Paste a token');
  });
});
