// Cost of streaming a 20k-token answer through @ml-intern/provider-openai, against reading the same
// stream with plain fetch. The fake server sends one chunk per token (as OpenAI does), so every
// variant moves the same bytes; what differs is the client-side work.
//   raw bytes        fetch + read the body, no parsing (lower bound)
//   raw parsed       fetch + split SSE frames + JSON.parse each chunk (what any client must do)
//   openai SDK       client.chat.completions.create({ stream: true }) iterated (the SDK's own cost)
//   provider         createOpenAIModel(...).stream() consumed to the end (the SDK sends the request,
//                    the provider parses the body and assembles parts)
// The fake runs in a worker thread so its frame building does not share the client's event loop.
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { httpFetch } from '@ml-intern/core';
import { createOpenAIModel } from '@ml-intern/provider-openai';
import { startFakeOpenAI } from '@ml-intern/testing';

const TOKENS = 20_000;
const RUNS = 21;
const WARMUP = 3;

const words = ['model', ' training', ' loss', ' dataset', ' epoch', ' gradient', ' token', ' batch'];
const text = Array.from({ length: TOKENS }, (_, index) => words[index % words.length]).join('');

if (!isMainThread) {
  const server = await startFakeOpenAI({ steps: () => ({ text, textChunks: TOKENS }) });
  parentPort.postMessage(server.baseURL);
  parentPort.once('message', async () => {
    await server.close();
    parentPort.close();
  });
} else {
const requestBody = { model: 'gpt-bench', messages: [{ role: 'user', content: 'Write a long answer.' }], stream: true, stream_options: { include_usage: true } };

const require = createRequire(import.meta.resolve('@ml-intern/provider-openai'));
const { default: OpenAI } = await import(require.resolve('openai'));

const worker = new Worker(new URL(import.meta.url));
const [baseURL] = await once(worker, 'message');
const fake = { baseURL, close: async () => { worker.postMessage('close'); await once(worker, 'exit'); } };
const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-bench' };

async function rawBytes() {
  const response = await fetch(`${fake.baseURL}/chat/completions`, { method: 'POST', headers, body: JSON.stringify(requestBody) });
  let bytes = 0;
  for await (const chunk of response.body) bytes += chunk.byteLength;
  return bytes;
}

async function rawParsed() {
  const response = await fetch(`${fake.baseURL}/chat/completions`, { method: 'POST', headers, body: JSON.stringify(requestBody) });
  const decoder = new TextDecoder();
  let pending = '';
  let out = '';
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = pending + decoder.decode(value, { stream: true });
    let start = 0;
    for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
      if (text.startsWith('data: {', start)) out += JSON.parse(text.slice(start + 6, end)).choices[0]?.delta?.content ?? '';
      start = end + 1;
    }
    pending = text.slice(start);
  }
  return out.length;
}

const client = new OpenAI({ baseURL: fake.baseURL, apiKey: 'sk-bench', maxRetries: 0 });
async function sdk() {
  const stream = await client.chat.completions.create(requestBody);
  let out = '';
  for await (const chunk of stream) out += chunk.choices[0]?.delta?.content ?? '';
  return out.length;
}

const model = createOpenAIModel({ model: 'gpt-bench', baseURL: fake.baseURL, apiKey: 'sk-bench' });
// The transport the apps use: core's fetch over node:http.
const modelOverHttpFetch = createOpenAIModel({ model: 'gpt-bench', baseURL: fake.baseURL, apiKey: 'sk-bench', fetch: httpFetch });
async function provider(through = model) {
  let out = '';
  for await (const part of through.stream({ system: '', messages: [{ role: 'user', content: 'Write a long answer.' }], tools: [] })) {
    if (part.type === 'text-delta') out += part.text;
  }
  if (out !== text) throw new Error('provider output differs from the scripted text');
  return out.length;
}

try {
const variants = { 'raw bytes': rawBytes, 'raw parsed': rawParsed, 'openai SDK': sdk, provider: () => provider(), 'provider (httpFetch)': () => provider(modelOverHttpFetch) };
const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let run = 0; run < WARMUP + RUNS; run += 1) {
  // Interleave the variants so drift on a shared machine hits them alike.
  for (const [name, variant] of Object.entries(variants)) {
    const started = performance.now();
    await variant();
    const elapsed = performance.now() - started;
    if (run >= WARMUP) samples[name].push(elapsed);
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const medians = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
const frameBytes = await rawBytes();
console.log(`20k-token streamed answer: ${TOKENS} chunks, ${(frameBytes / 1024 / 1024).toFixed(2)} MiB of SSE, median of ${RUNS} runs (after ${WARMUP} warm-up)`);
for (const [name, value] of Object.entries(medians)) {
  console.log(`  ${name.padEnd(20)} ${value.toFixed(1).padStart(7)} ms   ${((TOKENS / value) * 1000).toFixed(0).padStart(8)} tokens/s`);
}
const percent = (value, base) => `${(((value - base) / base) * 100).toFixed(1)}%`;
console.log(`provider overhead vs raw parsed fetch: ${percent(medians.provider, medians['raw parsed'])}`);
console.log(`provider (httpFetch) overhead vs raw parsed fetch: ${percent(medians['provider (httpFetch)'], medians['raw parsed'])}`);
console.log(`provider vs iterating the openai SDK's own stream: ${percent(medians.provider, medians['openai SDK'])}`);
console.log(`provider overhead vs raw bytes: ${percent(medians.provider, medians['raw bytes'])}`);
const perToken = ((medians.provider - medians['raw parsed']) / TOKENS) * 1000;
console.log(`added client time per token vs raw parsed: ${perToken.toFixed(2)} µs (a model streaming 100 tokens/s spends 10 000 µs per token)`);
} finally {
  await fake.close();
}
}
