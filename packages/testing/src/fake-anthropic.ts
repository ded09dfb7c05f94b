import type http from 'node:http';
import { AnthropicPromptCache } from './anthropic-prompt-cache.js';
import type { AnthropicAnswer } from './anthropic-message-events.js';
import { anthropicMessageBody, anthropicStreamFrames, estimateOutputTokens } from './anthropic-message-events.js';
import type { AnthropicBlockScript, AnthropicFailureScript, AnthropicScenario, AnthropicScriptResponder, AnthropicScriptStep } from './anthropic-script.js';
import { sendJson, startHttpFake, startSse } from './http-fake.js';
import type { HttpFake, RecordedRequest } from './http-fake.js';
import { validateAnthropicRequest } from './validate-anthropic-request.js';

export interface FakeAnthropicOptions {
  /** Answers for successive `POST /v1/messages`, consumed in order, or a function of the request. */
  script?: AnthropicScriptStep[] | AnthropicScriptResponder;
  /** Used once the script is exhausted. */
  scenario?: AnthropicScenario;
  /** Answer once both script and scenario are exhausted (default `Done.`). */
  fallbackText?: string;
  /** When set, any other credential gets a 401 `authentication_error`. */
  apiKey?: string;
  /** Characters per streamed delta (default 20). */
  chunkSize?: number;
  /** Smallest prefix (estimated tokens) the cache stores (default 0). */
  minimumCacheableTokens?: number;
  /** Reject malformed bodies with a 400 like the API does (default true). */
  validate?: boolean;
}

/** A fake Anthropic Messages API on 127.0.0.1; `await using` closes it. */
export interface FakeAnthropic extends HttpFake {
  /** Parsed bodies of the `POST /v1/messages` requests, in order. */
  readonly messageBodies: Record<string, unknown>[];
  /** Append steps to the script. */
  enqueue(...steps: AnthropicScriptStep[]): void;
  /** Steps not yet consumed. */
  readonly pending: number;
}

interface FakeState {
  options: FakeAnthropicOptions;
  queue: AnthropicScriptStep[];
  cache: AnthropicPromptCache;
  knownSignatures: Map<string, string>;
  messageBodies: Record<string, unknown>[];
  requestCount: number;
  toolCount: number;
}

function errorBody(type: string, message: string, requestId: string, errorCode?: string): Record<string, unknown> {
  return { type: 'error', error: { type, message, ...(errorCode ? { details: { error_code: errorCode } } : {}) }, request_id: requestId };
}

function sendError(response: http.ServerResponse, status: number, type: string, message: string, requestId: string, headers: Record<string, string> = {}, errorCode?: string): void {
  sendJson(response, status, errorBody(type, message, requestId, errorCode), { 'request-id': requestId, ...headers });
}

function credentialOf(raw: http.IncomingMessage): string | undefined {
  const apiKey = raw.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey) return apiKey;
  const authorization = raw.headers.authorization ?? '';
  return authorization.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

type WireBlock = { type?: string; id?: string; name?: string; tool_use_id?: string };

function blocksIn(body: Record<string, unknown>, role: string): WireBlock[] {
  const messages = (body.messages as { role?: string; content?: unknown }[]) ?? [];
  return messages.filter((message) => message.role === role && Array.isArray(message.content)).flatMap((message) => message.content as WireBlock[]);
}

/** The scenario's next answer, read from the conversation in the request. */
function scenarioStep(scenario: AnthropicScenario, body: Record<string, unknown>): AnthropicScriptStep {
  const tools = ((body.tools as { name?: string }[]) ?? []).map((tool) => tool.name);
  const toolChoice = (body.tool_choice as { type?: string } | undefined)?.type;
  const callIds = new Set(blocksIn(body, 'assistant').filter((block) => block.type === 'tool_use' && block.name === scenario.tool).map((block) => block.id));
  const done = blocksIn(body, 'user').filter((block) => block.type === 'tool_result' && callIds.has(block.tool_use_id)).length;
  const thinking: AnthropicBlockScript[] = scenario.thinking ? [{ type: 'thinking', thinking: scenario.thinking }] : [];
  const timing = scenario.delayMs === undefined ? {} : { delayMs: scenario.delayMs };
  if (done >= scenario.times || toolChoice === 'none') return { content: [...thinking, { type: 'text', text: scenario.finalText ?? 'Done.' }], ...timing };
  if (!tools.includes(scenario.tool)) {
    return { content: [{ type: 'text', text: `Scenario tool "${scenario.tool}" is not among the request's tools (${tools.join(', ') || 'none'}).` }] };
  }
  const input = typeof scenario.arguments === 'function' ? scenario.arguments(done) : scenario.arguments;
  const text: AnthropicBlockScript[] = scenario.text ? [{ type: 'text', text: scenario.text }] : [];
  return { content: [...thinking, ...text, { type: 'tool_use', name: scenario.tool, input }], ...timing };
}

function nextStep(state: FakeState, body: Record<string, unknown>): AnthropicScriptStep {
  if (typeof state.options.script === 'function') return state.options.script({ index: state.requestCount - 1, body });
  const scripted = state.queue.shift();
  if (scripted) return scripted;
  if (state.options.scenario) return scenarioStep(state.options.scenario, body);
  return { content: [{ type: 'text', text: state.options.fallbackText ?? 'Done.' }] };
}

function buildAnswer(state: FakeState, step: AnthropicScriptStep, body: Record<string, unknown>): AnthropicAnswer {
  const content = (step.content ?? []).map((block) => {
    if (block.type === 'tool_use' && !block.id) return { ...block, id: `toolu_fake_${String((state.toolCount += 1)).padStart(4, '0')}` };
    if (block.type === 'thinking' && block.signature) state.knownSignatures.set(block.signature, block.thinking);
    return block;
  });
  const measure = state.cache.measure(body);
  const estimate = estimateOutputTokens(content);
  const scripted = step.usage ?? {};
  return {
    id: `msg_fake_${String(state.requestCount).padStart(4, '0')}`,
    model: String(body.model),
    content,
    stopReason: step.stopReason ?? (content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn'),
    usage: {
      input_tokens: scripted.input_tokens ?? measure.inputTokens,
      output_tokens: scripted.output_tokens ?? estimate.output,
      cache_read_input_tokens: scripted.cache_read_input_tokens ?? measure.cacheReadTokens,
      cache_creation_input_tokens: scripted.cache_creation_input_tokens ?? measure.cacheCreationTokens,
      thinking_tokens: scripted.thinking_tokens ?? estimate.thinking,
    },
    chunkSize: state.options.chunkSize ?? 20,
  };
}

/** Resolves when the response can take more data, or is gone. */
function drained(response: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

type StreamFailure = Exclude<AnthropicFailureScript, { kind: 'http' }>;

/** Play a mid-stream failure; returns once the response is finished (or left hanging until the client leaves). */
async function playStreamFailure(response: http.ServerResponse, raw: http.IncomingMessage, failure: StreamFailure): Promise<void> {
  switch (failure.kind) {
    case 'stream-cut':
      // Let the frames already written reach the client, then drop the connection.
      await new Promise<void>((resolve) => response.write('', () => resolve()));
      raw.socket.destroy();
      return;
    case 'stream-truncated':
      response.end();
      return;
    case 'stream-hang':
      await new Promise((resolve) => response.once('close', resolve));
      return;
    default: {
      const body = { type: 'error', error: { type: failure.errorType, message: failure.message ?? failure.errorType } };
      response.end(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
    }
  }
}

async function writeStream(response: http.ServerResponse, raw: http.IncomingMessage, answer: AnthropicAnswer, step: AnthropicScriptStep, requestId: string): Promise<void> {
  let closed = false;
  response.on('close', () => (closed = true));
  startSse(response, { 'request-id': requestId });
  const frames = anthropicStreamFrames(answer);
  const failure = step.fail && step.fail.kind !== 'http' ? step.fail : undefined;
  const stopAt = failure ? Math.min(frames.length - 1, failure.afterFrames ?? Math.ceil(frames.length / 2)) : frames.length;
  for (const [index, frame] of frames.entries()) {
    if (closed) return;
    if (index === stopAt && failure) return playStreamFailure(response, raw, failure);
    if (step.delayMs) await wait(step.delayMs);
    if (closed) return;
    const ok = response.write(`event: ${frame.event}\ndata: ${JSON.stringify(frame.data)}\n\n`);
    if (!ok) await drained(response);
  }
  response.end();
}

function failHttp(response: http.ServerResponse, failure: Extract<AnthropicFailureScript, { kind: 'http' }>, requestId: string): void {
  const headers: Record<string, string> = { ...failure.headers };
  if (failure.retryAfterSeconds !== undefined) headers['retry-after'] = String(failure.retryAfterSeconds);
  if (failure.retryAfterMs !== undefined) headers['retry-after-ms'] = String(failure.retryAfterMs);
  sendError(response, failure.status, failure.errorType, failure.message ?? failure.errorType, requestId, headers, failure.errorCode);
}

async function handleMessages(state: FakeState, request: RecordedRequest, response: http.ServerResponse, raw: http.IncomingMessage, requestId: string): Promise<void> {
  const body = request.json as Record<string, unknown>;
  state.messageBodies.push(body);
  state.requestCount += 1;
  if (state.options.validate !== false) {
    const problem = validateAnthropicRequest(body, { knownSignatures: state.knownSignatures });
    if (problem) return sendError(response, 400, 'invalid_request_error', problem, requestId);
  }
  const step = nextStep(state, body);
  if (step.fail?.kind === 'http') return failHttp(response, step.fail, requestId);
  const answer = buildAnswer(state, step, body);
  if (body.stream === true) return writeStream(response, raw, answer, step, requestId);
  if (step.delayMs) await wait(step.delayMs);
  sendJson(response, 200, anthropicMessageBody(answer), { 'request-id': requestId });
}

function handleCountTokens(state: FakeState, request: RecordedRequest, response: http.ServerResponse, requestId: string): void {
  const body = request.json as Record<string, unknown>;
  if (state.options.validate !== false) {
    const problem = validateAnthropicRequest(body, { countOnly: true, knownSignatures: state.knownSignatures });
    if (problem) return sendError(response, 400, 'invalid_request_error', problem, requestId);
  }
  sendJson(response, 200, { input_tokens: state.cache.peek(body).totalTokens }, { 'request-id': requestId });
}

/**
 * Start a fake Anthropic Messages API (`POST /v1/messages`, streaming and not, and
 * `POST /v1/messages/count_tokens`) speaking the real SSE framing, with a simulated prompt cache,
 * the API's validation of the mistakes an adapter can make, and scripted failures.
 */
export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const state: FakeState = {
    options,
    queue: Array.isArray(options.script) ? [...options.script] : [],
    cache: new AnthropicPromptCache({ minimumTokens: options.minimumCacheableTokens ?? 0 }),
    knownSignatures: new Map(),
    messageBodies: [],
    requestCount: 0,
    toolCount: 0,
  };
  let requestIds = 0;
  const fake = await startHttpFake(async (request, response, raw) => {
    requestIds += 1;
    const requestId = `req_fake_${String(requestIds).padStart(4, '0')}`;
    const credential = credentialOf(raw);
    if (!credential || (options.apiKey !== undefined && credential !== options.apiKey)) {
      return sendError(response, 401, 'authentication_error', 'invalid x-api-key', requestId);
    }
    if (!raw.headers['anthropic-version']) return sendError(response, 400, 'invalid_request_error', 'anthropic-version: header is required', requestId);
    if (request.method !== 'POST' || (request.path !== '/v1/messages' && request.path !== '/v1/messages/count_tokens')) {
      return sendError(response, 404, 'not_found_error', `Not found: ${request.method} ${request.path}`, requestId);
    }
    if (typeof request.json !== 'object' || request.json === null) return sendError(response, 400, 'invalid_request_error', 'request body is not valid JSON', requestId);
    if (request.path === '/v1/messages/count_tokens') return handleCountTokens(state, request, response, requestId);
    return handleMessages(state, request, response, raw, requestId);
  });
  return {
    url: fake.url,
    port: fake.port,
    requests: fake.requests,
    messageBodies: state.messageBodies,
    enqueue: (...steps) => void state.queue.push(...steps),
    get pending() {
      return state.queue.length;
    },
    close: fake.close,
    [Symbol.asyncDispose]: fake.close,
  };
}
