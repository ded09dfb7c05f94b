import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filterProjectConfig } from './config.js';
import { agentConfigSchema } from './config-schema.js';

const cliConfig = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../../configs/cli_agent_config.json'), 'utf8')) as Record<string, unknown>;

describe('config hub.provenance', () => {
  it('is on unless turned off', () => {
    expect(agentConfigSchema.parse(cliConfig).hub).toEqual({ provenance: true });
    expect(agentConfigSchema.parse({ ...cliConfig, hub: {} }).hub).toEqual({ provenance: true });
    expect(agentConfigSchema.parse({ ...cliConfig, hub: { provenance: false } }).hub.provenance).toBe(false);
    expect(agentConfigSchema.safeParse({ ...cliConfig, hub: { provenance: 'no' } }).success).toBe(false);
  });

  it('an untrusted project cannot change it', () => {
    expect(filterProjectConfig({ hub: { provenance: false } }, 'untrusted')).toEqual({ values: {}, ignored: ['hub'] });
  });
});
