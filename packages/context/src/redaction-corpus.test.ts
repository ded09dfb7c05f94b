import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { lintSource } from '@secretlint/core';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import { describe, expect, it } from 'vitest';
import { REDACTED, createRedactor, redactValue } from './redaction.js';
import { createStreamRedactor } from './stream-redactor.js';

/**
 * Two corpora shipped with the package:
 * - `ml/`: training, evaluation and inference scripts, configs, logs and a notebook, which must
 *   pass through byte for byte (the model writes them back into files);
 * - `secrets/`: every shape a secret leaks in, with `⟦…⟧` around exactly what must be replaced.
 */
const FIXTURES = path.join(import.meta.dirname, '__fixtures__', 'redaction');
const OPEN = '⟦';
const CLOSE = '⟧';

function corpus(folder: string): { name: string; text: string }[] {
  const dir = path.join(FIXTURES, folder);
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, text: readFileSync(path.join(dir, name), 'utf8') }));
}

/** The text without markers, the text as redacted, and the secrets with their ranges in the text. */
function parseMarked(marked: string): { input: string; expected: string; secrets: string[]; ranges: [number, number][] } {
  let input = '';
  let expected = '';
  const secrets: string[] = [];
  const ranges: [number, number][] = [];
  let rest = marked;
  for (;;) {
    const open = rest.indexOf(OPEN);
    if (open === -1) break;
    const close = rest.indexOf(CLOSE, open);
    if (close === -1) throw new Error('unbalanced marker');
    const secret = rest.slice(open + OPEN.length, close);
    input += rest.slice(0, open);
    ranges.push([input.length, input.length + secret.length]);
    input += secret;
    expected += rest.slice(0, open) + REDACTED;
    secrets.push(secret);
    rest = rest.slice(close + CLOSE.length);
  }
  return { input: input + rest, expected: expected + rest, secrets, ranges };
}

/** Deterministic pseudo-random chunk sizes (1–200 characters). */
function chunked(text: string, seed: number): string[] {
  const chunks: string[] = [];
  let state = seed;
  for (let offset = 0; offset < text.length; ) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const size = 1 + (state % 200);
    chunks.push(text.slice(offset, offset + size));
    offset += size;
  }
  return chunks;
}

function streamed(redact: (text: string) => string, chunks: string[]): string {
  const stream = createStreamRedactor(redact);
  return chunks.map((chunk) => stream.push(chunk)).join('') + stream.flush();
}

const ml = corpus('ml');
const secretFiles = corpus('secrets').map(({ name, text }) => ({ name, ...parseMarked(text) }));
// Configured values that occur nowhere in the ML corpus: a real session has several.
const redact = createRedactor({
  secrets: ['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', 'sk-proj-Zq3xT9bN2wLmK8cVrJ5hPdG7sFaY4eXoUiR1tYpMn6BvCzQ', '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567'],
});

describe('ML corpus: code and configs pass through byte for byte', () => {
  it('holds at least 30 files of training, evaluation and inference material', () => {
    expect(ml.length).toBeGreaterThanOrEqual(30);
  });

  it.each(ml.map(({ name, text }) => [name, text]))('%s is unchanged', (_name, text) => {
    expect(redact(text)).toBe(text);
  });

  it.each(ml.map(({ name, text }) => [name, text]))('%s is unchanged when streamed in random chunks', (_name, text) => {
    expect(streamed(redact, chunked(text, text.length))).toBe(text);
  });

  it('leaves every string of the JSON files and the notebook unchanged', () => {
    for (const { name, text } of ml.filter((file) => /\.(json|ipynb)$/.test(file.name))) {
      const value: unknown = JSON.parse(text);
      expect(redactValue(value, redact), name).toEqual(value);
    }
  });

  it('keeps the lines the old pattern broke', () => {
    const all = ml.map((file) => file.text).join('\n');
    for (const line of ['tokenizer.pad_token = tokenizer.eos_token', 'api_key=os.environ["HF_TOKEN"]', 'cache_key = f"{tokenizer.name_or_path}-{len(merged)}"', 'sk-learn-baseline-tfidf-logreg']) {
      expect(all).toContain(line);
    }
  });
});

describe('secret corpus: every secret is caught, exactly', () => {
  it('holds secrets of every shape', () => {
    const count = secretFiles.reduce((total, file) => total + file.secrets.length, 0);
    expect(count).toBeGreaterThanOrEqual(150);
  });

  it.each(secretFiles.map((file) => [file.name, file]))('%s: each marked secret becomes [REDACTED], nothing else changes', (_name, file) => {
    const output = redact(file.input);
    expect(output).toBe(file.expected);
    for (const secret of file.secrets) expect(output).not.toContain(secret);
  });

  it.each(secretFiles.map((file) => [file.name, file]))('%s: the same when streamed in random chunks', (_name, file) => {
    for (const seed of [1, 7, 42]) expect(streamed(redact, chunked(file.input, seed))).toBe(file.expected);
  });

  it.each(secretFiles.map((file) => [file.name, file]))('%s: redacting twice changes nothing more', (_name, file) => {
    expect(redact(file.expected)).toBe(file.expected);
  });

  it.each(secretFiles.map((file) => [file.name, file]))(
    '%s: everything the secretlint recommended preset finds is redacted too',
    async (_name, file) => {
      const result = await lintSource({
        source: { content: file.input, filePath: `/corpus/${file.name}`, ext: '.txt', contentType: 'text' },
        options: { config: { rules: [{ id: recommendedPreset.meta.id, rule: recommendedPreset }] } },
      });
      // (It verifies key structure, so the random bodies of private-keys.txt are not reported.)
      if (file.name !== 'private-keys.txt') expect(result.messages.length).toBeGreaterThan(0);
      for (const message of result.messages) {
        // Each finding (secretlint reports the secret, or the key and the secret) overlaps a
        // marked secret, which the test above shows is redacted.
        const [from, to] = message.range;
        const covered = file.ranges.some(([start, end]) => start < to && end > from);
        expect(covered, `${message.ruleId}: ${file.input.slice(from, to)}`).toBe(true);
      }
    },
  );
});
