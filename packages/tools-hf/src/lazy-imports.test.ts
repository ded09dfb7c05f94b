import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, onTestFinished, test } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Libraries too heavy to load at start-up: the Hub client (with its WebAssembly) and turndown (with its DOM). */
const HEAVY = /\/node_modules\/(@huggingface\/[^/]+|turndown|@mixmark-io\/domino)\//;

function heavyPackages(urls: readonly string[]): string[] {
  return [...new Set(urls.map((url) => url.match(HEAVY)?.[1]).filter((name): name is string => name !== undefined))].sort();
}

/** Run the entry import in a fresh Node process and return the module URLs resolved before and after first use. */
async function resolvedModules(): Promise<{ atStartUp: string[]; afterFirstUse: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ml-intern-tools-hf-imports-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const logPath = path.join(dir, 'resolved.log');
  await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(here, '__fixtures__', 'import-entry.mts'), logPath], { cwd: path.join(here, '..') });
  const lines = readFileSync(logPath, 'utf8').split('\n').filter(Boolean);
  const started = lines.indexOf('STARTED');
  expect(started).toBeGreaterThan(0);
  return { atStartUp: lines.slice(0, started), afterFirstUse: lines.slice(started + 1) };
}

describe('package entry', () => {
  test('importing it and building the tool list loads neither the Hub library nor turndown; first use does', async () => {
    const { atStartUp, afterFirstUse } = await resolvedModules();
    expect(atStartUp.some((url) => url.endsWith('/src/hf-tools.ts'))).toBe(true);
    expect(heavyPackages(atStartUp)).toEqual([]);
    expect(heavyPackages(afterFirstUse)).toEqual(expect.arrayContaining(['@huggingface/hub', 'turndown']));
  });
});
