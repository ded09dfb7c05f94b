import { startFakeHub, startFakeOpenAI } from '@ml-intern/testing';
import { describe, expect, it } from 'vitest';
import { CLI, isolatedEnv, runBinary } from './run-binary.js';

const SECRET = 'sk-proj-leakedSecretValue0123456789';

describe('share_traces', () => {
  it('uploads the session to a private dataset as Claude Code JSONL, redacted', async () => {
    await using hub = await startFakeHub();
    await using openai = await startFakeOpenAI({ scenario: { tool: 'bash', arguments: { command: `echo OPENAI_API_KEY=${SECRET}` }, times: 1, finalText: 'ran it' } });
    const env = isolatedEnv({
      OPENAI_BASE_URL: openai.baseURL,
      OPENAI_API_KEY: 'sk-test-key-0123456789abcdef',
      ML_INTERN_MODEL: 'openai/gpt-4o',
      ML_INTERN_SHARE_TRACES: '1',
      HF_TOKEN: hub.token,
      HF_ENDPOINT: hub.hubUrl,
    });
    const run = await runBinary(CLI, ['--output-format', 'json', 'print the key'], { env });
    expect(run.code).toBe(0);
    const { session_id: id } = JSON.parse(run.stdout) as { session_id: string };
    const text = hub.readFile('dataset', 'tester/ml-intern-sessions', `sessions/${id}.jsonl`);
    const lines = (text ?? '').trim().split('\n').map((line) => JSON.parse(line) as { type: string; message: { content: { type: string }[] } });
    expect(lines.map((line) => line.message.content.map((block) => block.type).join('+'))).toEqual(['text', 'tool_use', 'tool_result', 'text']);
    expect(text).toContain('OPENAI_API_KEY=[REDACTED]');
    expect(text).not.toContain(SECRET);
    expect(hub.repo('dataset', 'tester/ml-intern-sessions')?.settings.private).toBe(true);
  });

  it('warns once and runs normally when no Hugging Face token is set', async () => {
    await using openai = await startFakeOpenAI({ steps: [{ text: 'hello' }] });
    const env = isolatedEnv({ OPENAI_BASE_URL: openai.baseURL, OPENAI_API_KEY: 'sk-test-key-0123456789abcdef', ML_INTERN_MODEL: 'openai/gpt-4o', ML_INTERN_SHARE_TRACES: '1' });
    const run = await runBinary(CLI, ['say hello'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('hello');
    expect(run.stderr.match(/share_traces is on but no Hugging Face token/g)).toHaveLength(1);
  });
});
