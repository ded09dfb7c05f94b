import { describe, expect, it } from 'vitest';
import { REDACTED, createRedactor, secretsFromEnv } from './redaction.js';

describe('createRedactor', () => {
  const redact = createRedactor({ secrets: ['my-configured-secret-value', 'short'] });
  it.each([
    ['hf token', 'token hf_abcdefghijklmnopqrstuvwxyz123456 used', 'hf_abcdefghijklmnopqrstuvwxyz123456'],
    ['anthropic key', 'key sk-ant-api03-AbCdEfGhIjKlMnOpQrSt done', 'sk-ant-api03-AbCdEfGhIjKlMnOpQrSt'],
    ['openai key', 'OPENAI sk-proj-abcdefghijklmnopqrstuv', 'sk-proj-abcdefghijklmnopqrstuv'],
    ['github token', 'ghp_abcdefghijklmnopqrstuvwxyz0123', 'ghp_abcdefghijklmnopqrstuvwxyz0123'],
    ['github pat', 'github_pat_11ABCDEFG0123456789_abcdefghijkl', 'github_pat_11ABCDEFG0123456789_abcdefghijkl'],
    ['slack', 'xoxb-1234567890-abcdefghij', 'xoxb-1234567890-abcdefghij'],
    ['aws', 'AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
    ['bearer', 'Authorization: Bearer abc.def-ghi_jkl012345', 'abc.def-ghi_jkl012345'],
    ['assignment', 'export WANDB_API_KEY=0123456789abcdef', '0123456789abcdef'],
    ['password', 'DB_PASSWORD="hunter2hunter2"', 'hunter2hunter2'],
    ['configured value', 'the value my-configured-secret-value leaked', 'my-configured-secret-value'],
  ])('redacts %s', (_name, input, secret) => {
    const output = redact(input);
    expect(output).not.toContain(secret);
    expect(output).toContain(REDACTED);
  });

  it('keeps ordinary text and short configured values', () => {
    expect(redact('the short story of tokens and keys')).toBe('the short story of tokens and keys');
    expect(redact('MAX_TOKENS = 5')).toBe('MAX_TOKENS = 5');
    expect(redact('model.generate(max_new_tokens=1024, pad_token="<pad>")')).toBe('model.generate(max_new_tokens=1024, pad_token="<pad>")');
    expect(redact('TOKEN_COUNT=123456789')).toBe('TOKEN_COUNT=123456789');
    expect(redact('the token embeddings_matrix_layer')).toBe('the token embeddings_matrix_layer');
  });

  it('keeps the variable name of an assignment', () => {
    expect(redact('HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz123456')).toBe(`HF_TOKEN=${REDACTED}`);
  });

  it('collects secret values from the environment', () => {
    expect(secretsFromEnv({ HF_TOKEN: 'hf_xxxxxxxxxxxxxxxx', PATH: '/usr/bin:/bin', OPENAI_API_KEY: 'sk-1234567890' })).toEqual(['hf_xxxxxxxxxxxxxxxx', 'sk-1234567890']);
  });
});
