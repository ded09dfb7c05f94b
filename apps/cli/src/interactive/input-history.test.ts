import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporaryDirectories } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { loadInputHistory, saveInputHistory } from './input-history.js';
import { DoublePress } from './double-press.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

const directory = () => directories.make('input-history-test-');

describe('input history', () => {
  it('saves newest first into a private file and loads it back, bounded', () => {
    const file = path.join(directory(), 'state', 'history');
    expect(loadInputHistory(file)).toEqual([]);
    expect(saveInputHistory(file, ['/status', 'train a model', '', 'hello'])).toBeUndefined();
    expect(readFileSync(file, 'utf8')).toBe('/status\ntrain a model\nhello\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadInputHistory(file)).toEqual(['/status', 'train a model', 'hello']);
    expect(loadInputHistory(file, 2)).toEqual(['/status', 'train a model']);
  });

  it('keeps at most the limit when saving', () => {
    const file = path.join(directory(), 'history');
    saveInputHistory(
      file,
      Array.from({ length: 600 }, (_, index) => `input ${index}`),
    );
    const loaded = loadInputHistory(file, 1_000);
    expect(loaded).toHaveLength(500);
    expect(loaded[0]).toBe('input 0');
  });

  it('reports a file it cannot write instead of throwing', () => {
    const dir = directory();
    writeFileSync(path.join(dir, 'blocker'), '');
    expect(saveInputHistory(path.join(dir, 'blocker', 'history'), ['x'])).toMatch(/cannot save the input history/);
  });
});

describe('DoublePress', () => {
  it('detects a second press within the window, then starts over', () => {
    let now = 0;
    const press = new DoublePress(1_000, () => now);
    expect(press.press()).toBe(false);
    now = 900;
    expect(press.press()).toBe(true);
    now = 1_000;
    expect(press.press()).toBe(false);
    now = 2_500;
    expect(press.press()).toBe(false);
    now = 3_400;
    expect(press.press()).toBe(true);
  });
});
