import type http from 'node:http';
import { chatCompletion, chatErrorFrame, chatStreamFrames, type FakeFrames } from './fake-openai-chat.js';
import { responseObject, responsesErrorFrame, responsesStreamFrames } from './fake-openai-responses.js';
import {
  scenarioStep,
  type OpenAIFailure,
  type OpenAIScenario,
  type OpenAIScriptResponder,
  type OpenAIScriptStep,
  type OpenAIStepContext,
} from './fake-openai-script.js';
import { checkLocalWindow, localMetadata, localOverflowError, type FakeLocalServer } from './fake-local-servers.js';
import { sendJson, startHttpFake, startSse, type HttpFake, type RecordedRequest } from './http-fake.js';
import { validateOpenAIRequest } from './validate-openai-request.js';

export interface FakeOpenAIOptions {
  /** Answers in request order (chat and responses requests share one counter), or a function of the request. */
  steps?: OpenAIScriptStep[] | OpenAIScriptResponder;
  /** Scenario mode, played after `steps` (see {@link OpenAIScenario}). */
  scenario?: OpenAIScenario;
  /** Answer once the script is exhausted (default `OK.`). */
  fallbackText?: string;
  /** Ids listed by `GET /v1/models` (default `["gpt-fake"]`). */
  models?: string[];
  /** When set, requests whose bearer token differs get 401 `invalid_api_key`. */
  apiKey?: string;
  /** Default wait before each frame for every step (slow stream). */
  delayMs?: number;
  /**
   * Behave like a local server (vLLM, llama.cpp, Ollama, LM Studio, TGI): serve its metadata
   * endpoints (`/v1/models` with `max_model_len`, `/props`, `/api/show`, `/api/v0/models/…`,
   * `/info`) and, with a `contextWindow`, refuse requests that do not fit with its own overflow
   * error. A refused request is recorded but does not use up a scripted step.
   */
  server?: FakeLocalServer;
}

/** A fake OpenAI-compatible server on 127.0.0.1 (`/v1/chat/completions`, `/v1/responses`, `/v1/models`). */
export interface FakeOpenAI extends HttpFake {
  /** `http://127.0.0.1:PORT/v1`: what the openai SDK takes as `baseURL`. */
  readonly baseURL: string;
  /** The model requests received (chat completions and responses), in order. */
  readonly modelRequests: RecordedRequest[];
  /** Streams still open (a client that aborts closes its stream). */
  readonly activeStreams: number;
}

type Api = 'chat' | 'responses';

function openAIError(message: string, type: string, code: string | null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

/** Answer an HTTP-level failure; returns false when the failure happens inside the stream instead. */
function sendHttpFailure(response: http.ServerResponse, failure: OpenAIFailure, headers: Record<string, string>): boolean {
  switch (failure.kind) {
    case 'rate_limit': {
      const retry: Record<string, string> = {};
      if (failure.retryAfterSeconds !== undefined) retry['retry-after'] = String(failure.retryAfterSeconds);
      if (failure.retryAfterMs !== undefined) retry['retry-after-ms'] = String(failure.retryAfterMs);
      const body = openAIError('Rate limit reached for requests. Please try again later.', 'requests', failure.code ?? 'rate_limit_exceeded');
      sendJson(response, 429, body, { ...headers, ...retry });
      return true;
    }
    case 'server_error': {
      const status = failure.status ?? 500;
      const message = status === 503 ? 'The engine is currently overloaded, please try again later' : 'The server had an error while processing your request. Sorry about that!';
      sendJson(response, status, openAIError(message, 'server_error', null), headers);
      return true;
    }
    case 'context_length_exceeded':
      sendJson(
        response,
        400,
        openAIError(
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.",
          'invalid_request_error',
          'context_length_exceeded',
          'messages',
        ),
        headers,
      );
      return true;
    case 'context_overflow': {
      const window = failure.contextWindow ?? 4_096;
      const answer = localOverflowError(failure.server, window, window + 1_000, 512);
      sendJson(response, answer.status, answer.body, headers);
      return true;
    }
    case 'http_error':
      sendJson(response, failure.status, failure.body, { ...headers, ...failure.headers });
      return true;
    default:
      return false;
  }
}

function pause(ms: number, response: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      response.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    response.once('close', done);
  });
}

function waitForClose(response: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => (response.destroyed ? resolve() : response.once('close', () => resolve())));
}

function errorFrame(api: Api, failure: Extract<OpenAIFailure, { kind: 'mid_stream_error' }>, context: OpenAIStepContext, sequence: number): string {
  const message = failure.message ?? 'The server had an error processing your request.';
  const code = failure.code === undefined ? (api === 'responses' ? 'server_error' : null) : failure.code;
  if (api === 'chat') return chatErrorFrame({ message, type: failure.errorType ?? 'server_error', code });
  return responsesErrorFrame(context, { message, code }, failure.event ?? 'response.failed', sequence);
}

async function writeFrames(
  api: Api,
  response: http.ServerResponse,
  raw: http.IncomingMessage,
  { frames, finishIndex }: FakeFrames,
  step: OpenAIScriptStep,
  context: OpenAIStepContext,
  delayMs: number,
): Promise<void> {
  const failure = step.failure;
  const afterFrames = failure && 'afterFrames' in failure ? failure.afterFrames : undefined;
  const stopAt = failure ? Math.min(frames.length, afterFrames ?? finishIndex) : frames.length;
  if (delayMs > 0) {
    for (let index = 0; index < stopAt; index += 1) {
      await pause(delayMs, response);
      if (response.destroyed) return;
      response.write(frames[index]);
    }
  } else if (stopAt > 0) {
    response.write(frames.slice(0, stopAt).join(''));
  }
  if (!failure || stopAt === frames.length) return void response.end();
  switch (failure.kind) {
    case 'mid_stream_error':
      response.end(errorFrame(api, failure, context, stopAt));
      return;
    case 'cut':
      // Let the written frames reach the client, then drop the connection without the chunked terminator.
      await new Promise<void>((resolve) => response.write('', () => resolve()));
      raw.socket.destroy();
      return;
    case 'hang':
      await waitForClose(response);
      return;
    default:
      response.end();
  }
}

/**
 * Start a fake OpenAI-compatible server that speaks the real wire format byte for byte: chat
 * completion chunks as `data:` frames ending with `data: [DONE]`, Responses events as
 * `event:`/`data:` frames, OpenAI error bodies, `x-request-id` on every answer. Every request is
 * recorded (secrets redacted). Scripted by `steps` and/or a `scenario`; dispose with `await using`.
 */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  let modelRequestCount = 0;
  let activeStreams = 0;
  const modelRequests: RecordedRequest[] = [];

  const stepFor = (context: OpenAIStepContext): OpenAIScriptStep => {
    const { steps, scenario } = options;
    if (typeof steps === 'function') return steps(context);
    const scripted = steps ?? [];
    if (context.index < scripted.length) return scripted[context.index] as OpenAIScriptStep;
    const scenarioIndex = context.index - scripted.length;
    if (scenario && scenarioIndex <= scenario.times) return scenarioStep(scenario, scenarioIndex);
    return { text: options.fallbackText ?? 'OK.', ...(scenario?.delayMs === undefined ? {} : { delayMs: scenario.delayMs }) };
  };

  const fake = await startHttpFake(async (request, response, raw) => {
    const headers = { 'x-request-id': `req_fake_${fake.requests.length}` };
    const metadata = options.server ? localMetadata(options.server, request.method, request.path, request.json, options.models ?? ['gpt-fake']) : undefined;
    if (metadata) return sendJson(response, metadata.status, metadata.body, headers);
    if (request.method === 'GET' && request.path === '/v1/models') {
      const data = (options.models ?? ['gpt-fake']).map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'system' }));
      return sendJson(response, 200, { object: 'list', data }, headers);
    }
    const api: Api | undefined =
      request.method === 'POST' && request.path === '/v1/chat/completions' ? 'chat' : request.method === 'POST' && request.path === '/v1/responses' ? 'responses' : undefined;
    if (!api) {
      return sendJson(response, 404, openAIError(`Invalid URL (${request.method} ${request.path})`, 'invalid_request_error', null), headers);
    }
    if (options.apiKey !== undefined && raw.headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendJson(response, 401, openAIError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'), headers);
    }
    const body = request.json as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') {
      return sendJson(response, 400, openAIError('We could not parse the JSON body of your request.', 'invalid_request_error', null), headers);
    }
    modelRequests.push(request);
    const overflow = options.server ? checkLocalWindow(options.server, body, request.body.length) : undefined;
    if (overflow) return sendJson(response, overflow.status, overflow.body, headers);
    const invalid = validateOpenAIRequest(api, body);
    if (invalid) return sendJson(response, 400, openAIError(invalid, 'invalid_request_error', 'invalid_request_error'), headers);
    const context: OpenAIStepContext = { index: modelRequestCount, model: String(body.model ?? 'gpt-fake'), body, bodyLength: request.body.length };
    modelRequestCount += 1;
    const step = stepFor(context);
    if (step.failure && sendHttpFailure(response, step.failure, headers)) return;
    if (body.stream !== true) {
      return sendJson(response, 200, api === 'chat' ? chatCompletion(step, context) : responseObject(step, context), headers);
    }
    activeStreams += 1;
    response.once('close', () => {
      activeStreams -= 1;
    });
    startSse(response, headers);
    const frames = api === 'chat' ? chatStreamFrames(step, context) : responsesStreamFrames(step, context);
    await writeFrames(api, response, raw, frames, step, context, step.delayMs ?? options.delayMs ?? 0);
  });

  return Object.defineProperties(fake, {
    baseURL: { value: `${fake.url}/v1`, enumerable: true },
    modelRequests: { value: modelRequests, enumerable: true },
    activeStreams: { get: () => activeStreams, enumerable: true },
  }) as FakeOpenAI;
}
