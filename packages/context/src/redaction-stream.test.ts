import { describe, expect, it } from 'vitest';
import { REDACTED, createRedactor } from './redaction.js';
import { createStreamRedactor } from './stream-redactor.js';

const HF = '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';
const PEM = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBmJz3kq8rT0v6t0oN0Q3y1p8q2m7mV5c9uFv2n1nO7AAAAJjR2Y6s0dmOr',
  'AAAAC3NzaC1lZDI1NTE5AAAAIGYnPeSrytPS/q3Sg3RDfLWnyrabuZXlz24W/afWc7sAAA',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

const redact = createRedactor();

function stream(chunks: string[], redactor = redact): { outputs: string[]; text: string } {
  const redactorStream = createStreamRedactor(redactor);
  const outputs = chunks.map((chunk) => redactorStream.push(chunk));
  outputs.push(redactorStream.flush());
  return { outputs, text: outputs.join('') };
}

describe('createStreamRedactor', () => {
  it.each([
    ['a token', `pushing with ${HF} now\n`],
    ['a JSON password', '{"user": "ml", "password": "hunter2hunter2xyz", "host": "db"}\n'],
    ['a --token flag', 'huggingface-cli login --token hunter2hunter2xyz\n'],
    ['a URL password', 'connecting to postgres://admin:S3cretPassw0rd@host/db ...\n'],
    ['an env assignment', 'export WANDB_API_KEY=0a1b2c3d4e5f60718293a4b5c6d7e8f901234567\n'],
    ['a bearer header', '> Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N\n'],
    ['a URL-encoded token', `GET /api?token=hf%5F${HF.slice(3)} HTTP/1.1\n`],
    ['a private key', `${PEM}\ndone\n`],
  ])('redacts %s split across two chunks at every position', (_name, text) => {
    const expected = redact(text);
    expect(expected).toContain(REDACTED);
    for (let cut = 1; cut < text.length; cut += 1) {
      expect(stream([text.slice(0, cut), text.slice(cut)]).text, `cut at ${cut}`).toBe(expected);
    }
  });

  it('redacts text pushed one character at a time', () => {
    const text = `step 1\nHF_TOKEN=${HF}\n{"api_key": "abcd1234efgh5678ijkl"}\n${PEM}\nstep 2 loss=0.51\n`;
    expect(stream([...text]).text).toBe(redact(text));
  });

  it('emits complete lines at once and holds only the partial line', () => {
    const redactorStream = createStreamRedactor(redact);
    expect(redactorStream.push('epoch 1 loss 0.52\nepoch 2 lo')).toBe('epoch 1 loss 0.52\n');
    expect(redactorStream.push('ss 0.48\n')).toBe('epoch 2 loss 0.48\n');
    expect(redactorStream.push(`token ${HF.slice(0, 10)}`)).toBe('');
    expect(redactorStream.push(`${HF.slice(10)} ok\n`)).toBe(`token ${REDACTED} ok\n`);
    expect(redactorStream.flush()).toBe('');
  });

  it('holds a private key until its END line', () => {
    const redactorStream = createStreamRedactor(redact);
    const lines = PEM.split('\n');
    let out = '';
    for (const line of lines.slice(0, -1)) out += redactorStream.push(`${line}\n`);
    expect(out).toBe('');
    out += redactorStream.push(`${lines.at(-1)}\n`);
    expect(out).toBe(`${lines[0]}\n${REDACTED}\n${lines.at(-1)}\n`);
  });

  it('redacts the body of a private key that never ends when the stream is flushed', () => {
    const text = PEM.split('\n').slice(0, 3).join('\n');
    const { text: out } = stream([text.slice(0, 50), text.slice(50)]);
    expect(out).toBe(`-----BEGIN OPENSSH PRIVATE KEY-----\n${REDACTED}`);
  });

  it('emits an endless line (a progress bar redrawn with \\r) without waiting for a newline', () => {
    const redactorStream = createStreamRedactor(redact, { maxLineChars: 4096, tailChars: 512 });
    let out = '';
    let text = '';
    for (let step = 0; step < 400; step += 1) {
      const chunk = `\r${step}/400 |${'█'.repeat(step % 40)}| loss=0.5${step % 10} `;
      text += chunk;
      out += redactorStream.push(chunk);
    }
    // All but the last line's worth is out before the stream ends.
    expect(out.length).toBeGreaterThan(text.length - 4096);
    expect(out + redactorStream.flush()).toBe(text);
  });

  it('keeps a key emitted before a cut in a long line as context for its value', () => {
    const filler = Array.from({ length: 400 }, (_, index) => `"field_${index}": ${index}`).join(', ');
    const text = `{${filler}, "api_key": "abcd1234efgh5678ijkl", ${filler}, "token": "${HF}"}`;
    const expected = redact(text);
    expect(expected).not.toContain('abcd1234efgh5678ijkl');
    for (const size of [7, 64, 1000, 4096]) {
      const chunks: string[] = [];
      for (let offset = 0; offset < text.length; offset += size) chunks.push(text.slice(offset, offset + size));
      const { text: out } = stream(chunks);
      expect(out, `chunks of ${size}`).toBe(expected);
    }
  });

  it('applies any other redactor to whole lines', () => {
    const plain = (text: string) => text.replaceAll('s3cret-value', REDACTED);
    const { text } = stream(['echo s3cr', 'et-value\nand s3cret-', 'value again'], plain);
    expect(text).toBe(`echo ${REDACTED}\nand ${REDACTED} again`);
  });

  it('starts afresh after flush', () => {
    const redactorStream = createStreamRedactor(redact);
    expect(redactorStream.push('partial')).toBe('');
    expect(redactorStream.flush()).toBe('partial');
    expect(redactorStream.push(`HF_TOKEN=${HF}\n`)).toBe(`HF_TOKEN=${REDACTED}\n`);
    expect(redactorStream.push('')).toBe('');
    expect(redactorStream.flush()).toBe('');
  });

  it('streams a large output with bounded holding', () => {
    const line = 'step 100 | loss 0.4812 | lr 1.9e-05 | tokens/s 41234 | grad_norm 0.81\n';
    const text = line.repeat(20_000);
    const redactorStream = createStreamRedactor(redact);
    let emitted = 0;
    for (let offset = 0; offset < text.length; offset += 65_536) {
      emitted += redactorStream.push(text.slice(offset, offset + 65_536)).length;
      expect(offset + 65_536 - emitted).toBeLessThanOrEqual(line.length + 65_536);
    }
    emitted += redactorStream.flush().length;
    expect(emitted).toBe(text.length);
  });
});
