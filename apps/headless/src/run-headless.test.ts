import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporaryDirectories } from '@ml-intern/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { flagsFrom, policyFlags } from './run-headless.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

describe('headless flags', () => {
  it('maps flags to config values', () => {
    expect(flagsFrom({ model: 'openai/gpt-5.5', maxIterations: '7', yolo: true, budgetUsd: '2.5' })).toEqual({ model_name: 'openai/gpt-5.5', max_iterations: 7, yolo_mode: true, budget_usd: 2.5 });
  });

  it('reads approval rules from a policy file in either shape', () => {
    const dir = directories.make('policy-');
    const plain = path.join(dir, 'rules.json');
    writeFileSync(plain, JSON.stringify({ rules: [{ tool: 'bash', action: 'allow' }] }));
    const nested = path.join(dir, 'config.json');
    writeFileSync(nested, JSON.stringify({ approval: { rules: [{ tool: 'hf_jobs', action: 'deny' }] } }));
    expect(policyFlags(plain)).toEqual({ approval: { rules: [{ tool: 'bash', action: 'allow' }] } });
    expect(policyFlags(nested)).toEqual({ approval: { rules: [{ tool: 'hf_jobs', action: 'deny' }] } });
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ allow: ['bash'] }));
    expect(() => policyFlags(bad)).toThrow(/expected \{"rules": \[\.\.\.\]\}/);
  });
});
