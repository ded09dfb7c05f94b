import { createApprovalPolicy } from '@ml-intern/core';
import { runTool } from '@ml-intern/testing';
import { describe, expect, test } from 'vitest';
import { startTestHub } from '../__fixtures__/test-hub.js';
import { createHfJobsTool } from './hf-jobs-tool.js';
import { forwardedSecrets, hostReference } from './job-spec.js';

const HOST_ENV = { WANDB_API_KEY: 'wandb-host-value-0123456789', AWS_SECRET_ACCESS_KEY: 'aws-host-secret-abcdefghij', HF_TOKEN: 'hf_hostTokenNotTheSessionOne0123456789' };
type JobRequest = { environment: Record<string, string>; secrets: Record<string, string> };

function jobsTool(options: Parameters<typeof createHfJobsTool>[0]) {
  return createHfJobsTool({ liveHardwareCatalog: false, forwardEnv: ['WANDB_API_KEY'], hostEnv: HOST_ENV, ...options });
}

describe('hf_jobs secrets forwarded from the host', () => {
  test('an allow-listed variable is forwarded without extra approval; any other is never auto-approved', async () => {
    const tool = jobsTool({ hubUrl: 'http://127.0.0.1:9', token: 'hf_unusedToken0123456789abcdefghijk', confirmCpuJobs: false });
    const hint = (secrets: Record<string, string>) => tool.approval?.(tool.inputSchema.parse({ operation: 'run', script: 'print(1)', secrets }));
    const listed = hint({ WANDB_API_KEY: '$WANDB_API_KEY' });
    expect(listed).toMatchObject({ decision: 'allow' });
    expect(listed?.neverAuto).toBeUndefined();
    expect(listed?.reason).toContain('forwards WANDB_API_KEY from this machine (allowed by jobs.forward_env)');
    const unlisted = hint({ WANDB_API_KEY: '$WANDB_API_KEY', AWS: '${AWS_SECRET_ACCESS_KEY}' });
    expect(unlisted).toMatchObject({ decision: 'ask', neverAuto: true });
    expect(unlisted?.reason).toContain("forwards AWS_SECRET_ACCESS_KEY from this machine's environment into the job, which has internet access (not in jobs.forward_env, so a person must approve)");
    expect(unlisted?.reason).not.toContain(HOST_ENV.AWS_SECRET_ACCESS_KEY);
    const call = { tool: 'hf_jobs', input: { operation: 'run' }, hint: unlisted, readOnly: false };
    expect((await createApprovalPolicy({ mode: 'yolo' }).decide(call)).decision).toBe('ask');
    expect((await createApprovalPolicy({ mode: 'auto', interactive: false }).decide(call)).decision).toBe('deny');
    const policy = createApprovalPolicy({ mode: 'default' });
    policy.addSessionRule({ tool: 'hf_jobs', action: 'allow' });
    expect((await policy.decide(call)).decision).toBe('ask');
    expect(hint({ HF_TOKEN: '$HF_TOKEN' })?.neverAuto).toBeUndefined();
    expect(hint({ PLAIN: 'literal-value' })).toMatchObject({ decision: 'allow' });
  });

  test('the job receives the host values as secrets, HF_TOKEN always as a secret, never in env', async () => {
    await using setup = await startTestHub();
    const tool = jobsTool({ ...setup.options });
    const result = await runTool(tool, {
      operation: 'run',
      script: 'print(1)',
      secrets: { WANDB_API_KEY: '$WANDB_API_KEY', AWS: '${AWS_SECRET_ACCESS_KEY}', HF_TOKEN: '$HF_TOKEN', LITERAL: 'as-given' },
      env: { HUGGINGFACE_HUB_TOKEN: setup.hub.token, WANDB_PROJECT: 'demo' },
    });
    expect(result.isError).toBe(false);
    const request = [...setup.hub.jobs.values()][0]?.request as JobRequest;
    expect(request.secrets).toEqual({
      WANDB_API_KEY: HOST_ENV.WANDB_API_KEY,
      AWS: HOST_ENV.AWS_SECRET_ACCESS_KEY,
      HF_TOKEN: setup.hub.token,
      LITERAL: 'as-given',
      HUGGINGFACE_HUB_TOKEN: setup.hub.token,
    });
    expect(request.environment.WANDB_PROJECT).toBe('demo');
    expect(Object.keys(request.environment)).not.toContain('HUGGINGFACE_HUB_TOKEN');
    expect(result.output).not.toContain(HOST_ENV.WANDB_API_KEY);
  });

  test('unset variables, malformed references and references in env are refused before any job starts', async () => {
    await using setup = await startTestHub();
    const tool = jobsTool({ ...setup.options });
    const unset = await runTool(tool, { operation: 'run', script: 'print(1)', secrets: { WANDB_API_KEY: '$WANDB_API_KEY', OTHER: '$NOT_SET_ANYWHERE' } });
    expect(unset.isError).toBe(true);
    expect(unset.output).toContain("secrets.OTHER forwards $NOT_SET_ANYWHERE, which is not set in this machine's environment");
    const malformed = await runTool(tool, { operation: 'run', script: 'print(1)', secrets: { KEY: '$(cat ~/.ssh/id_rsa)' } });
    expect(malformed.output).toContain('is not a host variable reference');
    const inEnv = await runTool(tool, { operation: 'run', script: 'print(1)', env: { WANDB_API_KEY: '$WANDB_API_KEY' } });
    expect(inEnv.output).toContain('Forward a host variable through secrets instead: secrets: {"WANDB_API_KEY": "$WANDB_API_KEY"}');
    const badName = await runTool(tool, { operation: 'run', script: 'print(1)', secrets: { 'A B': 'x' } });
    expect(badName.isError).toBe(true);
    expect(setup.hub.jobs.size).toBe(0);
  });

  test('references are whole values only', () => {
    expect(hostReference('$WANDB_API_KEY')).toBe('WANDB_API_KEY');
    expect(hostReference(' ${A_1} ')).toBe('A_1');
    expect(hostReference('prefix-$A')).toBeUndefined();
    expect(hostReference('$1')).toBeUndefined();
    expect(forwardedSecrets({ a: '$X', b: '$X', c: '$HF_TOKEN', d: 'plain' }, [], true)).toEqual({ allowed: ['HF_TOKEN'], unlisted: ['X'] });
    expect(forwardedSecrets({ c: '$HF_TOKEN' }, [], false)).toEqual({ allowed: [], unlisted: ['HF_TOKEN'] });
  });
});
