import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createApprovalPolicy, createSession, type LanguageModel } from '@ml-intern/core';
import { createAnthropicModel } from '@ml-intern/provider-anthropic';
import { createOpenAIModel } from '@ml-intern/provider-openai';
import { createLocalSandbox, sandboxTools } from '@ml-intern/sandbox';
import { anthropicScript, startFakeAnthropic, startFakeOpenAI, temporaryDirectories, testPng } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';

const directories = temporaryDirectories();
const temporaryDirectory = () => directories.make('ml-intern-images-');
afterEach(() => directories.removeAll());

/** A session whose model reads `loss.png` (written in a fresh workspace) with the real sandbox read tool. */
async function readPlot(model: LanguageModel): Promise<{ bytes: Buffer; text: string }> {
  const workspace = temporaryDirectory();
  const bytes = testPng(20, 10);
  writeFileSync(path.join(workspace, 'loss.png'), bytes);
  const sandbox = createLocalSandbox({ workspace, hostEnv: process.env, isolation: 'none' });
  const session = createSession({ model, tools: sandboxTools({ sandbox }), cwd: workspace, dataDir: temporaryDirectory(), policy: createApprovalPolicy({ mode: 'yolo' }), planTool: false });
  const outcome = await session.run('Plot the loss and look at it.');
  await session.close();
  return { bytes, text: outcome.text };
}

describe('read of a plot through a real session and a provider', () => {
  it('Anthropic: the next request carries an image block inside the tool_result', async () => {
    await using fake = await startFakeAnthropic({ script: [anthropicScript.toolUse([{ name: 'read', input: { path: 'loss.png' }, id: 'toolu_read' }]), anthropicScript.text('It goes down.')] });
    const { bytes, text } = await readPlot(createAnthropicModel({ model: 'claude-opus-4-6', apiKey: 'sk-ant-test', baseURL: fake.url }));
    expect(text).toBe('It goes down.');
    const messages = fake.messageBodies[1]?.messages as { role: string; content: Record<string, unknown>[] }[];
    const result = messages.at(-1)?.content.find((block) => block.type === 'tool_result');
    expect(result?.content).toEqual([
      { type: 'text', text: `loss.png: PNG image, 20×10 px, ${bytes.length} bytes (attached as an image).` },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: bytes.toString('base64') } },
    ]);
  });

  it('OpenAI Chat Completions: the image follows the tool message as a data URL', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'read', arguments: { path: 'loss.png' }, id: 'call_read' }] }, { text: 'It goes down.' }] });
    const { bytes, text } = await readPlot(createOpenAIModel({ model: 'gpt-4.1-mini', apiKey: 'k', baseURL: fake.baseURL }));
    expect(text).toBe('It goes down.');
    const messages = (fake.modelRequests[1]?.json as { messages: { role: string; content: unknown }[] }).messages;
    expect(messages.at(-2)).toMatchObject({ role: 'tool', tool_call_id: 'call_read' });
    expect(messages.at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: '<system-notice>The image returned by the read call call_read:</system-notice>' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${bytes.toString('base64')}` } },
      ],
    });
  });

  it('a text-only model gets a note saying why instead of the image', async () => {
    await using fake = await startFakeOpenAI({ steps: [{ toolCalls: [{ name: 'read', arguments: { path: 'loss.png' }, id: 'call_read' }] }, { text: 'I cannot see it.' }] });
    const model = createOpenAIModel({ model: 'openai/gpt-oss-120b', provider: 'huggingface', apiKey: 'k', baseURL: fake.baseURL });
    await readPlot(model);
    const body = JSON.stringify(fake.modelRequests[1]?.json);
    expect(body).not.toContain('image_url');
    expect(body).toContain('the model huggingface/openai/gpt-oss-120b does not accept image input');
  });
});
