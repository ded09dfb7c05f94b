import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScriptedModel, textTurn, toolTurn, type ScriptedTurn } from '@ml-intern/core/testing';
import type { ModelRequest } from '@ml-intern/core';
import { runOneShot, type OneShotOptions } from './one-shot.js';

const TRAIN_SCRIPT = `"""Logistic regression on the demo dataset (standard library only)."""
import csv, math, random

random.seed(0)
rows = list(csv.DictReader(open("data/train.csv")))
features = ["x1", "x2"]
data = [([float(row[name]) for name in features], int(row["label"])) for row in rows]
random.shuffle(data)
split = int(len(data) * 0.8)
train, test = data[:split], data[split:]

weights, bias, rate = [0.0, 0.0], 0.0, 0.1
for epoch in range(200):
    for x, y in train:
        z = sum(w * v for w, v in zip(weights, x)) + bias
        p = 1 / (1 + math.exp(-z))
        weights = [w - rate * (p - y) * v for w, v in zip(weights, x)]
        bias -= rate * (p - y)
    if epoch % 50 == 0:
        loss = -sum(y * math.log(max(1e-9, 1 / (1 + math.exp(-(sum(w * v for w, v in zip(weights, x)) + bias))))) + (1 - y) * math.log(max(1e-9, 1 - 1 / (1 + math.exp(-(sum(w * v for w, v in zip(weights, x)) + bias))))) for x, y in train) / len(train)
        print(f"epoch {epoch} loss={loss:.4f}")

correct = sum((sum(w * v for w, v in zip(weights, x)) + bias > 0) == bool(y) for x, y in test)
print(f"test accuracy={correct / len(test):.3f} on {len(test)} examples")
`;

function writeDataset(workspace: string): void {
  mkdirSync(path.join(workspace, 'data'), { recursive: true });
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const lines = ['x1,x2,label'];
  for (let index = 0; index < 200; index += 1) {
    const label = index % 2;
    const x1 = (label ? 0.8 : -0.8) + (random() - 0.5) * 4;
    const x2 = (label ? -0.5 : 0.5) + (random() - 0.5) * 4;
    lines.push(`${x1.toFixed(3)},${x2.toFixed(3)},${label}`);
  }
  writeFileSync(path.join(workspace, 'data', 'train.csv'), `${lines.join('\n')}\n`);
}

function lastToolOutput(request: ModelRequest): string {
  const last = [...request.messages].reverse().find((message) => message.role === 'tool');
  return last?.role === 'tool' ? last.content : '';
}

/** The scripted run: plan, inspect the dataset, write the script, run it, report. */
function demoScript(): (request: ModelRequest, index: number) => ScriptedTurn {
  const plan = (done: number) =>
    toolTurn({
      name: 'plan_tool',
      arguments: {
        todos: ['Inspect the dataset', 'Write a training script', 'Train and evaluate', 'Report the metric'].map((content, index) => ({
          id: String(index + 1),
          content,
          status: index < done ? 'completed' : index === done ? 'in_progress' : 'pending',
        })),
      },
    });
  const steps: ((request: ModelRequest) => ScriptedTurn)[] = [
    () => ({ ...plan(0), text: 'I will inspect the dataset first, then train a small classifier and report its accuracy.\n' }),
    () => toolTurn({ name: 'read', arguments: { path: 'data/train.csv', limit: 6 } }),
    () => ({ ...toolTurn({ name: 'write', arguments: { path: 'train.py', content: TRAIN_SCRIPT } }), text: 'Two numeric features and a binary label: a logistic regression is a good first baseline.\n' }),
    () => toolTurn({ name: 'bash', arguments: { command: 'python3 train.py', timeout: 60 } }),
    (request) => {
      const output = lastToolOutput(request);
      const metric = /test accuracy=([0-9.]+)/.exec(output)?.[1];
      return textTurn(
        metric
          ? `Done. The logistic-regression baseline reaches **test accuracy ${metric}** on the held-out 20% (see train.py).\n\nWith a real model configured, the next steps would be pushing train.py and the results to a Hub repo, or launching a larger run as an HF Job.`
          : `The training run did not print a metric. Its output was:\n\n${output.slice(0, 500)}`,
      );
    },
  ];
  return (request, index) => (steps[index] ?? (() => textTurn('Demo finished.')))(request);
}

/** On a terminal the demo asks before each call that needs approval, as the interactive CLI does. */
async function terminalApprovals(): Promise<OneShotOptions['askApprovals']> {
  const [{ askForApprovals }, { ScreenWriter }, { createTerminalStyle, shouldUseColor }, readline] = await Promise.all([
    import('../interactive/approval-prompt.js'),
    import('../interactive/screen-writer.js'),
    import('../interactive/terminal-style.js'),
    import('node:readline/promises'),
  ]);
  const style = createTerminalStyle(shouldUseColor(process.stdout, process.env));
  const writer = new ScreenWriter(process.stdout);
  return async (pending) => {
    const lines = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    try {
      return await askForApprovals(pending, { writer, style, ask: (prompt) => lines.question(prompt).catch(() => undefined) });
    } finally {
      lines.close();
    }
  };
}

/** `ml-intern demo`: a scripted (offline) run of the real tools on a small ML task. */
export async function runDemo(options: { cwd?: string }): Promise<number> {
  const workspace = options.cwd ? path.resolve(options.cwd) : mkdtempSync(path.join(tmpdir(), 'ml-intern-demo-'));
  mkdirSync(workspace, { recursive: true });
  writeDataset(workspace);
  // Where commands run (bubblewrap, or this machine, announced) is said by the sandbox itself.
  process.stderr.write(`ml-intern demo — SCRIPTED: no language model is called; a fixed script drives the real tools (read, write, bash).\nWorkspace: ${workspace}\n\n`);
  const askApprovals = process.stdin.isTTY && process.stdout.isTTY ? await terminalApprovals() : undefined;
  const model = new ScriptedModel({ id: 'scripted/demo', turns: demoScript() });
  return runOneShot('Train a classifier on data/train.csv and report its test accuracy.', {
    cwd: workspace,
    env: { ...process.env, ML_INTERN_SAVE_SESSIONS: 'false' },
    model,
    stream: true,
    format: 'text',
    flags: { yolo_mode: false },
    ...(askApprovals ? { askApprovals } : {}),
  });
}
