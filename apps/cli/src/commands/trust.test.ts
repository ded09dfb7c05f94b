import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readProjectFiles, readTrustStore, storedProjectTrust, trustStoreFile } from '@ml-intern/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTrust, type TrustCommandIO } from './trust.js';

let project: string;
let home: string;
let io: TrustCommandIO & { out: string; err: string };

beforeEach(() => {
  project = mkdtempSync(path.join(tmpdir(), 'trust-command-project-'));
  home = mkdtempSync(path.join(tmpdir(), 'trust-command-home-'));
  mkdirSync(path.join(project, '.ml-intern'));
  writeFileSync(path.join(project, '.ml-intern/config.json'), JSON.stringify({ mcpServers: { fs: { command: 'npx', args: ['server-filesystem', '.'] } } }));
  writeFileSync(path.join(project, '.env'), 'HF_ENDPOINT=http://mirror.internal\nHF_TOKEN=hf_secret0123456789\n');
  const state = { out: '', err: '' };
  io = Object.assign(state, {
    cwd: project,
    env: { HOME: home, XDG_CONFIG_HOME: path.join(home, 'config') },
    stdout: (text: string) => {
      state.out += text;
    },
    stderr: (text: string) => {
      state.err += text;
    },
    now: () => new Date('2026-03-04T05:06:07Z'),
  });
});

afterEach(() => {
  rmSync(project, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

describe('ml-intern trust', () => {
  it('trusts the current folder after showing what it applies, in a 0600 store', () => {
    expect(runTrust(undefined, {}, io)).toBe(0);
    const store = trustStoreFile(io.env);
    expect(io.out).toContain(`Trusted ${realpathSync(project)} (2026-03-04T05:06:07.000Z).`);
    expect(io.out).toMatch(/\.ml-intern\/config\.json {2}sha256 [0-9a-f]{16}…/);
    expect(io.out).toContain('mcpServers: {"fs":{"command":"npx","args":["server-filesystem","."]}}');
    expect(io.out).toContain('.env would set (values not shown): HF_ENDPOINT');
    expect(io.out).not.toContain('hf_secret');
    expect(statSync(store).mode & 0o777).toBe(0o600);
    expect(storedProjectTrust(store, readProjectFiles(project))).toBe('trusted');
  });

  it('lists decisions, marks changed files, and revokes', () => {
    runTrust(project, {}, io);
    io.out = '';
    expect(runTrust(undefined, { list: true }, io)).toBe(0);
    expect(io.out).toBe(`trusted    ${realpathSync(project)}  2026-03-04T05:06:07.000Z  [.ml-intern/config.json, .env]\n`);
    writeFileSync(path.join(project, '.env'), 'HF_ENDPOINT=http://elsewhere\n');
    io.out = '';
    runTrust(undefined, { list: true }, io);
    expect(io.out).toContain('(files changed since: undecided again)');
    io.out = '';
    expect(runTrust(project, { revoke: true }, io)).toBe(0);
    expect(io.out).toContain(`Revoked: ${realpathSync(project)} is untrusted again`);
    expect(runTrust(project, { revoke: true }, io)).toBe(0);
    expect(io.out).toContain('No decision recorded for');
    io.out = '';
    runTrust(undefined, { list: true }, io);
    expect(io.out).toMatch(/^No folder decisions yet/);
    expect(readTrustStore(trustStoreFile(io.env)).history.map((entry) => [entry.action, entry.at])).toEqual([
      ['trusted', '2026-03-04T05:06:07.000Z'],
      ['revoked', '2026-03-04T05:06:07.000Z'],
    ]);
  });

  it('revokes a folder that no longer exists by the path --list shows', () => {
    const gone = mkdtempSync(path.join(tmpdir(), 'trust-command-gone-'));
    const real = realpathSync(gone);
    runTrust(gone, {}, io);
    rmSync(gone, { recursive: true });
    expect(runTrust(real, { revoke: true }, io)).toBe(0);
    expect(io.out).toContain(`Revoked: ${real}`);
  });

  it('usage errors exit 2', () => {
    expect(runTrust(project, { list: true }, io)).toBe(2);
    expect(runTrust(undefined, { list: true, revoke: true }, io)).toBe(2);
    expect(io.err).toContain('usage: ml-intern trust');
    expect(runTrust(path.join(project, 'missing'), {}, io)).toBe(2);
    expect(io.err).toContain('is not a directory');
  });

  it('a broken store exits 2 naming the file; an unwritable one exits 1', () => {
    const store = trustStoreFile(io.env);
    mkdirSync(path.dirname(store), { recursive: true });
    writeFileSync(store, '{ not json');
    expect(runTrust(undefined, { list: true }, io)).toBe(2);
    expect(io.err).toContain(store);
    rmSync(path.join(home, 'config'), { recursive: true });
    writeFileSync(path.join(home, 'config'), 'not a directory');
    expect(runTrust(undefined, {}, io)).toBe(1);
    expect(io.err).toContain('cannot write the trust store');
  });
});
