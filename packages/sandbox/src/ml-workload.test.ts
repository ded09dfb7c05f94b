import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSession } from '@ml-intern/core';
import { ScriptedModel, textTurn, toolTurn } from '@ml-intern/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isExecutableFile } from './host-probe.js';
import { createLocalSandbox } from './local-sandbox.js';
import { sandboxTools } from './sandbox-tools.js';

const TRAIN_SCRIPT = `import json
import numpy as np

rng = np.random.default_rng(0)
features = rng.normal(size=(512, 3))
true_weights = np.array([1.5, -2.0, 0.5])
targets = features @ true_weights + 0.01 * rng.normal(size=512)
weights = np.zeros(3)
for step in range(300):
    gradient = 2 * features.T @ (features @ weights - targets) / len(targets)
    weights -= 0.1 * gradient
    if step % 50 == 0:
        print(f"step {step} loss {np.mean((features @ weights - targets) ** 2):.6f}")
mse = float(np.mean((features @ weights - targets) ** 2))
with open("metrics.json", "w") as handle:
    json.dump({"mse": mse, "weights": weights.round(2).tolist()}, handle)
print(f"final mse {mse:.6f}")
`;

const directories: string[] = [];

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe.skipIf(!isExecutableFile('/usr/bin/bwrap'))('an ML task through the agent loop', () => {
  it('writes a numpy training script, runs it in the sandbox, and reads the metric back', async () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'ml-intern-workload-'));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'ml-intern-workload-data-'));
    directories.push(workspace, dataDir);
    const sandbox = createLocalSandbox({ workspace, hostEnv: process.env });
    const description = await sandbox.describe();
    const model = new ScriptedModel({
      turns: (request, index) => {
        if (index === 0) return toolTurn({ name: 'write', arguments: { path: 'train.py', content: TRAIN_SCRIPT } });
        if (index === 1) return toolTurn({ name: 'bash', arguments: { command: 'python3 train.py', description: 'train the linear model', timeout: 60 } });
        if (index === 2) return toolTurn({ name: 'read', arguments: { path: 'metrics.json' } });
        const last = [...request.messages].reverse().find((message) => message.role === 'tool');
        const mse = /"mse": ([0-9.e-]+)/.exec(last?.role === 'tool' ? last.content : '')?.[1];
        return textTurn(`Training finished with mse ${mse}.`);
      },
    });
    const session = createSession({ model, tools: sandboxTools({ sandbox }), cwd: workspace, dataDir, runtime: description.runtime, planTool: false });
    const events: Array<{ type: string } & Record<string, unknown>> = [];
    session.subscribe((event) => events.push(event as never));
    const outcome = await session.run('Fit a linear model on synthetic data and report the MSE.');
    await session.close();

    expect(outcome).toMatchObject({ status: 'completed', iterations: 4 });
    expect(events.find((event) => event.type === 'session_started')).toMatchObject({ runtime: 'bubblewrap' });
    // Sandboxed without network: nothing needed the user's approval.
    expect(events.filter((event) => event.type === 'approval_required')).toEqual([]);
    const outputs = events.filter((event) => event.type === 'tool_output');
    expect(outputs.map((event) => [event.tool, event.is_error])).toEqual([['write', false], ['bash', false], ['read', false]]);
    expect(outputs[1]?.output).toMatch(/step 0 loss [\d.]+\n.*final mse [\d.]+\n\[exit code 0 · /s);
    expect(events.some((event) => event.type === 'tool_log' && event.tool === 'bash' && String(event.message).includes('step 0 loss'))).toBe(true);

    const metrics = JSON.parse(readFileSync(path.join(workspace, 'metrics.json'), 'utf8')) as { mse: number; weights: number[] };
    expect(metrics.mse).toBeLessThan(0.001);
    expect(metrics.weights).toEqual([1.5, -2, 0.5]);
    expect(outcome.text).toBe(`Training finished with mse ${metrics.mse}.`);
    expect(existsSync(path.join(workspace, '__pycache__'))).toBe(false);
  });
});
