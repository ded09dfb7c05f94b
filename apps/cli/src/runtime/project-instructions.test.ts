import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { temporaryDirectories } from '@ml-intern/testing';
import { MAX_INSTRUCTION_FILE_BYTES, MAX_INSTRUCTIONS_BYTES, formatInstructionsSection, loadProjectInstructions } from './project-instructions.js';


const scratch = temporaryDirectories();
afterEach(() => scratch.removeAll());
const temporary = scratch.make;

/** A home with a user AGENTS.md and a project (git root) with AGENTS.md at the root, ML_INTERN.md in a sub folder, cwd below that. */
function layout() {
  const home = temporary('instructions-home-');
  const configDir = path.join(home, '.config', 'ml-intern');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(path.join(configDir, 'AGENTS.md'), 'USER: push to the team/ namespace.\n');
  const root = temporary('instructions-project-');
  mkdirSync(path.join(root, '.git'));
  writeFileSync(path.join(root, 'AGENTS.md'), 'ROOT: our datasets live in org acme.\n');
  mkdirSync(path.join(root, 'experiments', 'llama'), { recursive: true });
  writeFileSync(path.join(root, 'experiments', 'ML_INTERN.md'), 'MIDDLE: never use more than an a10g.\n');
  writeFileSync(path.join(root, 'experiments', 'llama', 'AGENTS.md'), 'NEAREST: this folder fine-tunes llama.\n');
  const env: Record<string, string> = { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.local/share'), XDG_STATE_HOME: path.join(home, '.local/state'), HF_HOME: path.join(home, 'hf'), NO_COLOR: '1' };
  return { home, configDir, root, cwd: path.join(root, 'experiments', 'llama'), env };
}

describe('loadProjectInstructions', () => {
  it('reads the user file first, then the project root down to cwd, nearest last', () => {
    const { cwd, env } = layout();
    const loaded = loadProjectInstructions({ cwd, env, trusted: true });
    expect(loaded.files.map((file) => file.text.trim().split(':')[0])).toEqual(['USER', 'ROOT', 'MIDDLE', 'NEAREST']);
    expect(loaded.files.map((file) => file.scope)).toEqual(['user', 'project', 'project', 'project']);
    const section = formatInstructionsSection(loaded);
    expect(section.indexOf('USER:')).toBeLessThan(section.indexOf('ROOT:'));
    expect(section.indexOf('MIDDLE:')).toBeLessThan(section.indexOf('NEAREST:'));
    expect(section).not.toContain('untrusted');
  });

  it('marks an untrusted project’s files as coming from the project', () => {
    const { cwd, env } = layout();
    const section = formatInstructionsSection(loadProjectInstructions({ cwd, env, trusted: false }));
    expect(section).toContain('come from a folder the user has not trusted');
    expect(section).toMatch(/AGENTS\.md \(the user's own instructions\)\nUSER:/);
    expect(section).toMatch(/experiments\/llama\/AGENTS\.md \(from the project \(untrusted folder\)\)\nNEAREST:/);
  });

  it('caps each file and the total, keeping the nearest files and saying what was cut', () => {
    const { cwd, env, root, configDir } = layout();
    writeFileSync(path.join(root, 'AGENTS.md'), `ROOT ${'x'.repeat(200_000)}`);
    writeFileSync(path.join(configDir, 'ML_INTERN.md'), 'u'.repeat(MAX_INSTRUCTION_FILE_BYTES));
    writeFileSync(path.join(root, 'experiments', 'ML_INTERN.md'), 'm'.repeat(MAX_INSTRUCTION_FILE_BYTES));
    const loaded = loadProjectInstructions({ cwd, env, trusted: true });
    const total = loaded.files.reduce((sum, file) => sum + Buffer.byteLength(file.text), 0);
    expect(total).toBeLessThanOrEqual(MAX_INSTRUCTIONS_BYTES);
    const rootFile = loaded.files.find((file) => file.path === path.join(root, 'AGENTS.md'));
    expect(rootFile?.cut).toMatch(/16 KiB of 195 KiB/);
    expect(loaded.files.at(-1)?.text).toContain('NEAREST');
    // The farthest (the user's files) give way first.
    expect(loaded.files[0]?.cut).toMatch(/capped at 48 KiB/);
    expect(formatInstructionsSection(loaded)).toMatch(/\[… only the first 16 KiB of 195 KiB are included\]/);
  });

  it('skips FIFOs and symlinks that leave the project, without hanging', () => {
    const { cwd, env, root } = layout();
    rmSync(path.join(root, 'AGENTS.md'));
    execFileSync('mkfifo', [path.join(root, 'AGENTS.md')]);
    const secret = path.join(temporary('instructions-secret-'), 'id_rsa');
    writeFileSync(secret, 'PRIVATE KEY');
    rmSync(path.join(cwd, 'AGENTS.md'));
    symlinkSync(secret, path.join(cwd, 'AGENTS.md'));
    symlinkSync('/dev/zero', path.join(root, 'ML_INTERN.md'));
    const loaded = loadProjectInstructions({ cwd, env, trusted: true });
    expect(loaded.files.map((file) => file.text.trim().split(':')[0])).toEqual(['USER', 'MIDDLE']);
    expect(loaded.skipped.map((item) => [path.basename(item.path), item.reason])).toEqual([
      ['AGENTS.md', 'is not a regular file'],
      ['ML_INTERN.md', 'is not a regular file'],
      ['AGENTS.md', 'leads outside the project'],
    ]);
    expect(formatInstructionsSection(loaded)).not.toContain('PRIVATE KEY');
  });
});
