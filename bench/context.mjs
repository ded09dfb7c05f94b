// Token accounting and session-log throughput (issue 4 targets).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { History, JsonlSessionStore, createTiktokenCounter, planCompaction } from '@ml-intern/context';

const counter = createTiktokenCounter();
counter.count('warm up the tokenizer');

const texts = Array.from({ length: 10_000 }, (_, index) => `Step ${index}: trained for one epoch, loss=${(1 / (index + 1)).toFixed(4)}, saved checkpoint to ./out/ckpt-${index}.`);
let started = performance.now();
const history = new History({ counter });
for (const content of texts) history.append({ role: 'user', content });
const appendMs = performance.now() - started;
started = performance.now();
const bound = history.upperBoundTokens;
const boundNs = (performance.now() - started) * 1e6;
started = performance.now();
const counted = history.rawTokens;
const countMs = performance.now() - started;
started = performance.now();
let total = 0;
for (let index = 0; index < 1_000_000; index += 1) total += history.rawTokens;
const readNs = ((performance.now() - started) * 1e6) / 1_000_000;
console.log(`append 10,000 messages: ${((appendMs / 10_000) * 1000).toFixed(2)} µs each (target ≤ 100 µs; tokenisation is deferred)`);
console.log(`byte upper bound: ${bound} (read in ${boundNs.toFixed(0)} ns); first exact count of all 10,000 messages: ${countMs.toFixed(1)} ms (${((countMs / 10_000) * 1000).toFixed(1)} µs per message, each counted once) = ${counted} tokens`);
console.log(`read the running total afterwards: ${readNs.toFixed(1)} ns`);

// Pathological input (issue 2): tiktoken alone is quadratic in the length of one "word" and
// aborts with `unreachable` on 20 MB of one letter. Bounded now: long runs are cut, long texts sampled.
const oneLetter = 'A'.repeat(20_000_000);
const letterRuns = [];
let letterTokens = 0;
for (let run = 0; run < 5; run += 1) {
  started = performance.now();
  letterTokens = createTiktokenCounter().count(oneLetter);
  letterRuns.push(performance.now() - started);
}
letterRuns.sort((a, b) => a - b);
console.log(`count 20 MB of one repeated letter: median ${letterRuns[2].toFixed(1)} ms, worst ${letterRuns[4].toFixed(1)} ms (target ≤ 500 ms) = ${letterTokens} tokens`);

const big = new History({ counter });
big.append({ role: 'user', content: 'Fine-tune a model.' });
let index = 0;
while (big.rawTokens < 170_000) {
  const id = `c${index++}`;
  big.append({ role: 'assistant', content: [{ type: 'tool_call', id, name: 'bash', arguments: '{"command":"python train.py"}' }] });
  big.append({ role: 'tool', toolCallId: id, toolName: 'bash', content: 'epoch 1 loss 0.52 accuracy 0.81\n'.repeat(60), isError: false });
}
const runs = [];
for (let run = 0; run < 20; run += 1) {
  started = performance.now();
  planCompaction(big, { keepRecentTokens: 40_000 });
  runs.push(performance.now() - started);
}
runs.sort((a, b) => a - b);
console.log(`plan a compaction at ${big.rawTokens} tokens (${big.length} messages): median ${runs[10].toFixed(3)} ms (target ≤ 20 ms)`);

const dir = mkdtempSync(path.join(tmpdir(), 'ml-intern-bench-'));
const store = new JsonlSessionStore(dir);
const writer = store.create({ id: 'bench', model: 'bench', cwd: dir, started_at: new Date().toISOString(), config_digest: '' });
const record = { kind: 'message', message: { role: 'tool', toolCallId: 'c', toolName: 'bash', content: 'x'.repeat(500), isError: false } };
started = performance.now();
for (let count = 0; count < 20_000; count += 1) writer.append(record);
await writer.close();
const writeMs = performance.now() - started;
console.log(`session log: ${(20_000 / (writeMs / 1000)).toFixed(0)} records/s (${((writeMs / 20_000) * 1000).toFixed(1)} µs per ~0.6 KB record, synchronous append)`);
rmSync(dir, { recursive: true, force: true });
