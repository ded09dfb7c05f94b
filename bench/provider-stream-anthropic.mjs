// Streams a ~20k-token answer from the fake Anthropic server over loopback and compares the time
// to read it with a bare fetch against the time to consume it through @ml-intern/provider-anthropic
// (SDK + event mapping). The fake runs in a child process so only client-side work is compared.
// Run after `pnpm turbo run build --filter=@ml-intern/provider-anthropic --filter=@ml-intern/testing`.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const ANSWER_TOKENS = 20_000;
const CHUNK_CHARACTERS = 16; // about four tokens per delta, like the real API
const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const WARMUP = 3;

if (process.argv[2] === '--serve') {
  const { startFakeAnthropic } = await import('@ml-intern/testing');
  const words = 'The gradient accumulation steps multiply the effective batch size without more memory. ';
  const answer = words.repeat(Math.ceil((ANSWER_TOKENS * 4) / words.length)).slice(0, ANSWER_TOKENS * 4);
  const fake = await startFakeAnthropic({ chunkSize: CHUNK_CHARACTERS, script: () => ({ content: [{ type: 'text', text: answer }] }) });
  process.send?.({ url: fake.url });
  process.on('disconnect', () => fake.close().then(() => process.exit(0)));
} else {
  const { createAnthropicModel } = await import('@ml-intern/provider-anthropic');
  const server = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { url } = await new Promise((resolve) => server.once('message', resolve));
  const body = { model: 'claude-bench', max_tokens: 32_000, stream: true, system: 'Bench.', messages: [{ role: 'user', content: 'Write a long answer.' }] };
  const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-bench' };

  /** Bare fetch: read and decode every byte of the SSE body (no parsing). */
  async function rawRead() {
    const response = await fetch(`${url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
    const decoder = new TextDecoder();
    let characters = 0;
    let frames = 0;
    for await (const chunk of response.body) {
      const text = decoder.decode(chunk, { stream: true });
      characters += text.length;
      for (let index = text.indexOf('\n\n'); index !== -1; index = text.indexOf('\n\n', index + 2)) frames += 1;
    }
    return { characters, frames };
  }

  /** Bare fetch plus SSE framing and JSON.parse of every event: the least any client must do. */
  async function rawParse() {
    const response = await fetch(`${url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
    const decoder = new TextDecoder();
    let buffer = '';
    let text = 0;
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = JSON.parse(frame.slice(frame.indexOf('data: ') + 6));
        if (data.type === 'content_block_delta' && data.delta.type === 'text_delta') text += data.delta.text.length;
      }
    }
    return { text };
  }

  const { httpFetch } = await import('@ml-intern/core');
  const options = { model: 'claude-bench', apiKey: 'sk-ant-bench', baseURL: url, info: { maxOutputTokens: 32_000 }, promptCaching: false };
  const models = { fetch: createAnthropicModel(options), httpFetch: createAnthropicModel({ ...options, fetch: httpFetch }) };
  async function throughProvider(model = models.fetch) {
    let text = 0;
    let deltas = 0;
    let usage;
    for await (const part of model.stream({ system: 'Bench.', messages: [{ role: 'user', content: 'Write a long answer.' }], tools: [] })) {
      if (part.type === 'text-delta') {
        text += part.text.length;
        deltas += 1;
      } else if (part.type === 'usage') usage = part.usage;
    }
    return { text, deltas, outputTokens: usage?.outputTokens };
  }

  /** Wall time and this process's CPU time (user + system) of one call. */
  async function time(run) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const result = await run();
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, result };
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

  for (let index = 0; index < WARMUP; index += 1) {
    await rawRead();
    await rawParse();
    await throughProvider();
    await throughProvider(models.httpFetch);
  }
  // `provider (httpFetch)` is the transport the apps use (core's fetch over node:http).
  const variants = { raw: rawRead, parse: rawParse, provider: () => throughProvider(), providerHttp: () => throughProvider(models.httpFetch) };
  const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, { ms: [], cpuMs: [] }]));
  const shape = {};
  for (let index = 0; index < RUNS; index += 1) {
    // Interleave so drift on a shared machine hits all three alike.
    for (const [name, run] of Object.entries(variants)) {
      const sample = await time(run);
      samples[name].ms.push(sample.ms);
      samples[name].cpuMs.push(sample.cpuMs);
      Object.assign(shape, sample.result);
    }
  }
  const stat = (name, key) => median(samples[name][key]);
  const percent = (value, base) => `${value >= base ? '+' : ''}${(((value - base) / base) * 100).toFixed(1)}%`;
  const row = (label, name) => {
    const wall = stat(name, 'ms');
    const cpu = stat(name, 'cpuMs');
    const versus = name === 'raw' ? '' : `   vs raw read: wall ${percent(wall, stat('raw', 'ms'))}, cpu ${percent(cpu, stat('raw', 'cpuMs'))}`;
    const versusParse = name.startsWith('provider') ? `;  vs fetch + SSE + JSON: wall ${percent(wall, stat('parse', 'ms'))}, cpu ${percent(cpu, stat('parse', 'cpuMs'))}` : '';
    console.log(`  ${label.padEnd(30)} wall ${wall.toFixed(1).padStart(5)} ms  client cpu ${cpu.toFixed(1).padStart(5)} ms${versus}${versusParse}`);
  };
  console.log(
    `provider-stream-anthropic: ${shape.outputTokens} output tokens, ${shape.frames} SSE frames (${shape.deltas} text-delta parts after merging), ${(shape.characters / 1024).toFixed(0)} KiB, medians of ${RUNS} runs`,
  );
  row('fake only, raw fetch read', 'raw');
  row('fake only, fetch + SSE + JSON', 'parse');
  row('through the provider', 'provider');
  row('through the provider, httpFetch', 'providerHttp');
  server.disconnect();
}
