import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filterProjectConfig } from './config.js';
import { agentConfigSchema } from './config-schema.js';

const cliConfig = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../../configs/cli_agent_config.json'), 'utf8')) as Record<string, unknown>;

describe('config jobs.forward_env', () => {
  it('defaults to forwarding nothing and accepts variable names only', () => {
    const { jobs: _jobs, ...withoutJobs } = cliConfig;
    expect(agentConfigSchema.parse(withoutJobs).jobs).toEqual({ forward_env: [] });
    expect(agentConfigSchema.parse({ ...cliConfig, jobs: {} }).jobs).toEqual({ forward_env: [] });
    expect(agentConfigSchema.parse({ ...cliConfig, jobs: { forward_env: ['WANDB_API_KEY'] } }).jobs.forward_env).toEqual(['WANDB_API_KEY']);
    expect(agentConfigSchema.safeParse({ ...cliConfig, jobs: { forward_env: ['A B'] } }).success).toBe(false);
  });

  it('an untrusted project cannot widen what jobs may receive', () => {
    expect(filterProjectConfig({ jobs: { forward_env: ['AWS_SECRET_ACCESS_KEY'] } }, 'untrusted')).toEqual({ values: {}, ignored: ['jobs'] });
  });
});
