import { readFileSync } from 'node:fs';
import { agentConfigSchema } from '@ml-intern/core';
import { runTool, startFakeBrave, startFakeSemanticScholar } from '@ml-intern/testing';
import type { Sandbox } from '@ml-intern/sandbox';
import { describe, expect, test } from 'vitest';
import { createToolFamilies } from './create-tools.js';

const config = agentConfigSchema.parse(JSON.parse(readFileSync(new URL('../../../../configs/cli_agent_config.json', import.meta.url), 'utf8')));

async function toolsFor(env: Record<string, string>) {
  const tools = await createToolFamilies({ config, env, cwd: process.cwd(), mode: 'interactive', hfToken: undefined, sandbox: {} as Sandbox });
  return (name: string) => tools.find((tool) => tool.name === name)!;
}

describe('createToolFamilies: web search and papers backends from the environment', () => {
  test('BRAVE_API_KEY/BRAVE_SEARCH_URL reach web_search; S2_API_KEY/S2_API_URL reach hf_papers; keys stay out of the output', async () => {
    await using brave = await startFakeBrave({ apiKey: 'brave-key-from-env-0123' });
    await using s2 = await startFakeSemanticScholar({ apiKey: 's2-key-from-env-0123' });
    const tool = await toolsFor({ BRAVE_API_KEY: 'brave-key-from-env-0123', BRAVE_SEARCH_URL: brave.url, S2_API_KEY: 's2-key-from-env-0123', S2_API_URL: s2.url });
    const search = await runTool(tool('web_search'), { query: 'lora' });
    expect(search.output).toContain('from Brave Search');
    expect(search.output).not.toContain('brave-key-from-env');
    const citations = await runTool(tool('hf_papers'), { operation: 'citations', arxiv_id: '2305.18290' });
    expect(citations.output).toContain('# Papers citing 2305.18290');
    expect(s2.requests[0]?.headers['x-api-key']).toMatch(/^s2-key…/);
  });
});
