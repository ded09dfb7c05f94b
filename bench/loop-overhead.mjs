// Harness overhead per agent-loop iteration at ~1k and ~170k tokens of history.
// The model and the tool are trivial and instantaneous, so the time measured is the harness's own:
// events, history and token accounting, compaction and loop checks, tool routing.
import { createSession, defineTool } from '@ml-intern/core';
import { z } from 'zod';

const ITERATIONS = 300;

/** A LanguageModel that answers instantly: a tool call per request, then a final text. */
function instantModel(calls) {
  let made = 0;
  return {
    id: 'bench/instant',
    info: { contextWindow: 2_000_000, maxOutputTokens: 8_000 },
    async *stream() {
      made += 1;
      if (made <= calls) {
        const id = `call_${made}`;
        yield { type: 'tool-call-start', id, name: 'noop' };
        yield { type: 'tool-call-delta', id, argumentsDelta: `{"step":${made}}` };
        yield { type: 'tool-call-end', id };
        yield { type: 'usage', usage: { inputTokens: 0, cachedInputTokens: 0, cacheCreationTokens: 0, outputTokens: 10, reasoningTokens: 0 } };
        yield { type: 'finish', reason: 'tool_calls' };
      } else {
        yield { type: 'text-delta', text: 'done' };
        yield { type: 'finish', reason: 'stop' };
      }
    },
  };
}

const noop = defineTool({ name: 'noop', description: 'does nothing', inputSchema: z.object({ step: z.number() }), execute: ({ step }) => `ok ${step}` });

function seedHistory(targetTokens) {
  const paragraph = 'The model was fine-tuned with LoRA rank 16 on the imdb dataset; evaluation accuracy improved after two epochs. ';
  const messages = [{ role: 'user', content: 'Fine-tune a small model on imdb.' }];
  let approx = 10;
  let index = 0;
  while (approx < targetTokens) {
    const id = `seed_${index++}`;
    messages.push({ role: 'assistant', content: [{ type: 'tool_call', id, name: 'noop', arguments: `{"step":${-index}}` }] });
    const content = paragraph.repeat(targetTokens < 10_000 ? 4 : 40);
    messages.push({ role: 'tool', toolCallId: id, toolName: 'noop', content, isError: false });
    approx += content.length / 4.5;
  }
  return messages;
}

async function measure(label, history) {
  const session = createSession({ model: instantModel(ITERATIONS), tools: [noop], history, maxIterations: -1, loopGuard: { exemptTools: ['noop'] }, planTool: false });
  const tokens = session.history.rawTokens;
  const started = process.hrtime.bigint();
  const times = [];
  let last = started;
  session.subscribe((event) => {
    if (event.type === 'llm_call') {
      const now = process.hrtime.bigint();
      times.push(Number(now - last) / 1e6);
      last = now;
    }
  });
  const outcome = await session.run('continue');
  const total = Number(process.hrtime.bigint() - started) / 1e6;
  await session.close();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`${label.padEnd(10)} history ${String(tokens).padStart(7)} tokens  iterations ${outcome.iterations}  median ${median.toFixed(3)} ms/iteration  mean ${(total / outcome.iterations).toFixed(3)} ms`);
  return median;
}

await measure('warm-up', seedHistory(1_000));
const small = await measure('~1k', seedHistory(1_000));
const large = await measure('~170k', seedHistory(170_000));
console.log(`ratio 170k/1k: ${(large / small).toFixed(2)}x  (targets: ≤ 2 ms per iteration at 170k, ratio ≤ 1.5x)`);
