// Secret redaction throughput (target: 1 MB of tool output in ≤ 10 ms, so command output can
// stream at ≥ 50 MB/s with redaction on). Prints the median of several runs.
import { createRedactor, createStreamRedactor, secretsFromEnv } from '@ml-intern/context';

const MB = 1 << 20;

/** ~1 MB of what commands print while fine-tuning: logs, progress bars, pip, tracebacks, configs. */
function toolOutput(size) {
  const lines = [
    (i) => `{'loss': ${(2 / (i + 1)).toFixed(4)}, 'grad_norm': ${(1.5 + (i % 7) / 10).toFixed(3)}, 'learning_rate': 1.9e-05, 'epoch': ${(i / 1000).toFixed(2)}}`,
    (i) => ` ${i % 100}%|████████▍         | ${i}/2000 [01:${String(i % 60).padStart(2, '0')}<03:12,  2.31it/s]`,
    (i) => `Collecting transformers>=4.44.0 (from -r requirements.txt (line ${i % 9}))`,
    () => `  Downloading tokenizers-0.19.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (3.6 MB)`,
    () => `    tokenizer.pad_token = tokenizer.eos_token`,
    (i) => `  File "/usr/lib/python3.11/site-packages/transformers/trainer.py", line ${1800 + (i % 300)}, in _inner_training_loop`,
    () => `    outputs = model.generate(**inputs, max_new_tokens=512, pad_token_id=tokenizer.eos_token_id)`,
    () => `INFO:accelerate.utils.modeling:We will use 90% of the memory on device 0 for storing the model`,
    (i) => `Map: 100%|██████████| 5000/5000 [00:01<00:00, 4213.51 examples/s] cache_key=train-split-${i}`,
    () => `  "model_type": "llama", "num_key_value_heads": 8, "rope_theta": 500000.0, "vocab_size": 128256,`,
    () => `    client = OpenAI(api_key=os.environ["OPENAI_API_KEY"], base_url="https://router.huggingface.co/v1")`,
    (i) => `wandb: 🚀 View run at https://wandb.ai/team/sft-llama/runs/${(i * 2654435761 >>> 0).toString(36)}`,
    () => `[rank0]: torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1970`,
    (i) => `Saving model checkpoint to ./outputs/checkpoint-${i * 50}`,
  ];
  const parts = [];
  let length = 0;
  for (let index = 0; length < size; index += 1) {
    const line = `${lines[index % lines.length](index)}\n`;
    parts.push(line);
    length += line.length;
  }
  return parts.join('').slice(0, size);
}

/**
 * Median and fastest of several runs in ms of wall time, and the median CPU time (what the work
 * costs when other processes share the cores).
 */
function timed(run, times = 15) {
  for (let index = 0; index < 3; index += 1) run();
  const wall = [];
  const cpu = [];
  for (let index = 0; index < times; index += 1) {
    const started = performance.now();
    const usage = process.cpuUsage();
    run();
    const used = process.cpuUsage(usage);
    wall.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const middle = Math.floor(times / 2);
  return { median: wall[middle], min: wall[0], cpu: cpu[middle] };
}

const show = ({ median, min, cpu }) => `median ${median.toFixed(2)} ms (fastest ${min.toFixed(2)} ms, CPU ${cpu.toFixed(2)} ms)`;

const env = {
  HF_TOKEN: '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',
  OPENAI_API_KEY: 'sk-proj-Zq3xT9bN2wLmK8cVrJ5hPdG7sFaY4eXoUiR1tYpMn6BvCzQ',
  ANTHROPIC_API_KEY: 'sk-ant-api03-Xr7tY2uI9oP4aS6dF1gH3jK8lZ5xC0vB-nM2qW4eR7tY9uI1oP3aS5dF8gH0jK2lZ4xC6vB8nM1qW3eR5tY7uI',
  GITHUB_TOKEN: 'ghp_Wq8eR2tY5uI9oP1aS4dF7gH3jK6lZ0xC2vB',
  WANDB_API_KEY: '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567',
  PATH: '/usr/local/bin:/usr/bin:/bin',
};
const redact = createRedactor({ secrets: secretsFromEnv(env) });
const text = toolOutput(MB);
const check = redact(text);
if (check !== text) throw new Error('the bench text should contain no secrets');

const oneMb = timed(() => redact(text), 31);
console.log(`redact 1 MB of tool output (5 configured secrets): ${show(oneMb)} (target ≤ 10 ms) = ${(1000 / oneMb.median).toFixed(0)} MB/s`);

const withSecrets = text.replace(/cache_key=train-split-(\d+)/g, (_match, index) => (Number(index) % 40 === 0 ? `HF_TOKEN=${env.HF_TOKEN} password="hunter2hunter2xyz"` : _match));
const secretsMs = timed(() => redact(withSecrets));
const found = (redact(withSecrets).match(/\[REDACTED\]/g) ?? []).length;
console.log(`redact 1 MB with ${found} secrets in it: ${show(secretsMs)}`);

const code = Array.from({ length: 40 }, (_, index) => `training_args = SFTConfig(output_dir="out-${index}", hub_token=args.hub_token, push_to_hub=True)\ntokenizer.pad_token = tokenizer.eos_token\napi_key = os.environ.get("API_KEY")\n`).join('');
const codeText = code.repeat(Math.ceil(MB / code.length)).slice(0, MB);
const codeMs = timed(() => redact(codeText));
console.log(`redact 1 MB of keyword-dense Python (a secret word every ~40 chars): ${show(codeMs)}`);

const bigChunks = timed(() => {
  const stream = createStreamRedactor(redact);
  for (let offset = 0; offset < text.length; offset += 64 * 1024) stream.push(text.slice(offset, offset + 64 * 1024));
  stream.flush();
}, 9);
console.log(`stream 1 MB in 64 KiB chunks: ${show(bigChunks)} = ${(1000 / bigChunks.median).toFixed(0)} MB/s (target ≥ 50 MB/s)`);

const lines = text.split(/(?<=\n)/);
const lineChunks = timed(() => {
  const stream = createStreamRedactor(redact);
  for (const line of lines) stream.push(line);
  stream.flush();
}, 9);
console.log(`stream 1 MB line by line (${lines.length} pushes): ${show(lineChunks)} = ${(1000 / lineChunks.median).toFixed(0)} MB/s`);

const event = '{"type":"tool_output","output":"epoch 1 loss 0.52 accuracy 0.81","tool":"bash"}';
const eventUs = (timed(() => {
  for (let index = 0; index < 10_000; index += 1) redact(event);
}, 7).median / 10_000) * 1000;
console.log(`redact one short event string: ${eventUs.toFixed(2)} µs`);

try {
  const core = await import(new URL('../packages/context/node_modules/@secretlint/core/module/index.js', import.meta.url).href);
  const preset = await import(new URL('../packages/context/node_modules/@secretlint/secretlint-rule-preset-recommend/module/index.js', import.meta.url).href);
  const options = { config: { rules: [{ id: preset.creator.meta.id, rule: preset.creator }] } };
  const lint = (content) => core.lintSource({ source: { content, filePath: '/output.txt', ext: '.txt', contentType: 'text' }, options });
  for (let index = 0; index < 3; index += 1) await lint(text);
  const samples = [];
  for (let index = 0; index < 9; index += 1) {
    const started = performance.now();
    await lint(text);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const started = performance.now();
  for (let index = 0; index < 200; index += 1) await lint(event);
  const perCall = ((performance.now() - started) / 200) * 1000;
  console.log(`for comparison, @secretlint/core lintSource + recommended preset (async): ${samples[4].toFixed(2)} ms per MB, ${perCall.toFixed(0)} µs per short string`);
} catch (error) {
  console.log(`(secretlint comparison skipped: ${error.message})`);
}
