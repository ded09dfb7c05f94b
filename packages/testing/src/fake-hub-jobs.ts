import { sendJson, startSse, writeSseFrame } from './http-fake.js';
import { canWrite, sendError, sha, type FakeRoute, type RouteContext } from './fake-hub-state.js';

/** How a job created on the fake behaves: log output in chunks and its final stage. */
export interface FakeJobScript {
  /** Log lines in chunks; each logs request releases `releasePerRequest` more chunks. */
  chunks: string[][];
  /** Stage once every chunk has been released (default COMPLETED). */
  finalStage?: string;
  /** Chunks released per logs request (default 1; use Infinity to finish on the first read). */
  releasePerRequest?: number;
  /**
   * Samples of the metrics stream, in the Hub's wire shape (`cpu_usage_pct`, `memory_used_bytes`,
   * `memory_total_bytes`, `gpus: { "<index>": { utilization, memory_used_bytes, memory_total_bytes } }`).
   * Default: {@link DEFAULT_JOB_METRICS}.
   */
  metrics?: Record<string, unknown>[];
}

const GIB = 1024 ** 3;

/** Metrics of a busy single-GPU training job. */
export const DEFAULT_JOB_METRICS: Record<string, unknown>[] = [
  { cpu_usage_pct: 62.5, cpu_millicores: 2500, memory_used_bytes: 9 * GIB, memory_total_bytes: 32 * GIB, rx_bps: 1200, tx_bps: 800, gpus: { '0': { utilization: 93, memory_used_bytes: 18 * GIB, memory_total_bytes: 24 * GIB } }, replica: 'r-0' },
  { cpu_usage_pct: 64.1, cpu_millicores: 2560, memory_used_bytes: 9.2 * GIB, memory_total_bytes: 32 * GIB, rx_bps: 900, tx_bps: 700, gpus: { '0': { utilization: 97, memory_used_bytes: 18.5 * GIB, memory_total_bytes: 24 * GIB } }, replica: 'r-0' },
];

export interface FakeJob {
  id: string;
  namespace: string;
  /** The create payload as received (secrets included, for assertions). */
  request: Record<string, unknown>;
  stage: string;
  createdAt: string;
  finishedAt?: string;
  script: FakeJobScript;
  released: number;
  /** When each released chunk was written: a replay keeps each line's original timestamp, as the Hub's does. */
  releasedAt: string[];
}

export interface FakeScheduledJob {
  id: string;
  namespace: string;
  request: Record<string, unknown>;
  suspend: boolean;
  createdAt: string;
  runs: number;
}

export interface FakeJobsState {
  jobs: Map<string, FakeJob>;
  scheduled: Map<string, FakeScheduledJob>;
  nextScript: FakeJobScript;
  hardware: { name: string }[];
  logLineDelayMs: number;
  counter: number;
}

export const DEFAULT_JOB_SCRIPT: FakeJobScript = {
  chunks: [
    ['Resolved 12 packages in 40ms', 'Downloading torch', 'Installed 12 packages in 250ms', 'Loading dataset tester/chat-demo', 'step 1/4 loss=2.31'],
    ['step 2/4 loss=1.87', 'step 3/4 loss=1.52', 'step 4/4 loss=1.20', 'Pushed model to tester/tiny-model-sft', 'Done'],
  ],
  finalStage: 'COMPLETED',
  releasePerRequest: 1,
};

const TERMINAL = new Set(['COMPLETED', 'ERROR', 'CANCELED', 'DELETED']);

function jobJson(job: FakeJob) {
  const request = job.request;
  return {
    type: 'job',
    id: job.id,
    status: { stage: job.stage, message: job.stage === 'ERROR' ? 'Job failed with exit code: 1' : null, failureCount: 0 },
    createdAt: job.createdAt,
    startedAt: job.createdAt,
    finishedAt: job.finishedAt ?? null,
    dockerImage: request.dockerImage ?? null,
    spaceId: request.spaceId ?? null,
    command: request.command ?? null,
    arguments: request.arguments ?? [],
    environment: request.environment ?? {},
    secrets: Object.keys((request.secrets as Record<string, string> | undefined) ?? {}),
    flavor: request.flavor,
    timeoutSeconds: request.timeoutSeconds ?? null,
    owner: { id: sha(job.namespace).slice(0, 24), name: job.namespace, type: 'user' },
  };
}

function scheduledJson(job: FakeScheduledJob) {
  const request = job.request as { schedule?: string; concurrency?: boolean; jobSpec?: Record<string, unknown> };
  const spec = { ...(request.jobSpec ?? {}) };
  spec.secrets = Object.keys((spec.secrets as Record<string, string> | undefined) ?? {});
  return {
    id: job.id,
    schedule: request.schedule,
    suspend: job.suspend,
    concurrency: request.concurrency ?? false,
    createdAt: job.createdAt,
    updatedAt: job.createdAt,
    jobSpec: spec,
    status: { lastJob: null, nextJobRunAt: '2030-01-01T00:00:00.000Z' },
  };
}

function releaseAll(job: FakeJob): { line: string; timestamp: string }[] {
  return job.script.chunks.slice(0, job.released).flatMap((chunk, index) => chunk.map((line) => ({ line, timestamp: job.releasedAt[index] as string })));
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Jobs API: hardware catalog, create/list/get/cancel, SSE logs and metrics, and scheduled jobs. */
export function jobRoutes(state: FakeJobsState): FakeRoute[] {
  const route = (method: string, pattern: string, handle: FakeRoute['handle']): FakeRoute => ({ method, pattern: new RegExp(`^${pattern}$`), handle });
  const owned = (context: RouteContext): string | undefined => {
    const namespace = decodeURIComponent(context.match[1] as string);
    if (!context.auth.valid) return void sendError(context.response, 401, 'Invalid or missing token');
    if (!canWrite(context.auth, namespace)) return void sendError(context.response, 403, `You cannot use the namespace ${namespace}`);
    return namespace;
  };
  const findJob = (context: RouteContext): FakeJob | undefined => {
    const job = state.jobs.get(context.match[2] as string);
    if (!job || job.namespace !== context.match[1]) sendError(context.response, 404, `Job ${context.match[2]} not found`);
    return job && job.namespace === context.match[1] ? job : undefined;
  };
  const findScheduled = (context: RouteContext): FakeScheduledJob | undefined => {
    const job = state.scheduled.get(context.match[2] as string);
    if (!job) sendError(context.response, 404, `Scheduled job ${context.match[2]} not found`);
    return job;
  };
  const body = (context: RouteContext) => (context.request.json ?? {}) as Record<string, unknown>;
  const validate = (context: RouteContext, spec: Record<string, unknown>): boolean => {
    if (!state.hardware.some((entry) => entry.name === spec.flavor)) {
      sendError(context.response, 400, `Invalid flavor: ${String(spec.flavor)}`);
      return false;
    }
    if (!spec.dockerImage && !spec.spaceId) {
      sendError(context.response, 400, 'dockerImage or spaceId is required');
      return false;
    }
    return true;
  };
  return [
    route('GET', '/api/jobs/hardware', (context) => sendJson(context.response, 200, state.hardware)),
    route('POST', '/api/jobs/([^/]+)', (context) => {
      const namespace = owned(context);
      if (!namespace || !validate(context, body(context))) return;
      state.counter += 1;
      const job: FakeJob = { id: sha(`job-${state.counter}`).slice(0, 24), namespace, request: body(context), stage: 'RUNNING', createdAt: new Date().toISOString(), script: state.nextScript, released: 0, releasedAt: [] };
      state.jobs.set(job.id, job);
      sendJson(context.response, 200, jobJson(job));
    }),
    route('GET', '/api/jobs/([^/]+)', (context) => {
      const namespace = owned(context);
      if (namespace) sendJson(context.response, 200, [...state.jobs.values()].filter((job) => job.namespace === namespace).map(jobJson));
    }),
    route('GET', '/api/jobs/([^/]+)/([^/]+)', (context) => {
      const job = owned(context) && findJob(context);
      if (job) sendJson(context.response, 200, jobJson(job));
    }),
    route('POST', '/api/jobs/([^/]+)/([^/]+)/cancel', (context) => {
      const job = owned(context) && findJob(context);
      if (!job) return;
      if (!TERMINAL.has(job.stage)) {
        job.stage = 'CANCELED';
        job.finishedAt = new Date().toISOString();
      }
      sendJson(context.response, 200, jobJson(job));
    }),
    route('GET', '/api/jobs/([^/]+)/([^/]+)/logs', async (context) => {
      const job = owned(context) && findJob(context);
      if (!job) return;
      if (!TERMINAL.has(job.stage)) job.released = Math.min(job.script.chunks.length, job.released + (job.script.releasePerRequest ?? 1));
      while (job.releasedAt.length < job.released) job.releasedAt.push(new Date().toISOString());
      const finished = TERMINAL.has(job.stage) || job.released >= job.script.chunks.length;
      if (finished && !TERMINAL.has(job.stage)) {
        job.stage = job.script.finalStage ?? 'COMPLETED';
        job.finishedAt = new Date().toISOString();
      }
      startSse(context.response);
      let closed = false;
      context.response.on('close', () => {
        closed = true;
      });
      for (const { line, timestamp } of releaseAll(job)) {
        if (closed) return;
        writeSseFrame(context.response, { data: line, timestamp });
        if (state.logLineDelayMs > 0) await wait(state.logLineDelayMs);
      }
      if (finished) return void context.response.end();
      // A running job keeps its stream open, like the real endpoint; the client decides when to stop.
      await new Promise<void>((resolve) => context.response.on('close', () => resolve()));
    }),
    route('GET', '/api/jobs/([^/]+)/([^/]+)/metrics', async (context) => {
      const job = owned(context) && findJob(context);
      if (!job) return;
      startSse(context.response);
      let closed = false;
      context.response.on('close', () => {
        closed = true;
      });
      // A finished job has no more samples; a running one streams its samples and stays open.
      if (TERMINAL.has(job.stage)) return void context.response.end();
      for (const sample of job.script.metrics ?? DEFAULT_JOB_METRICS) {
        if (closed) return;
        writeSseFrame(context.response, sample);
        if (state.logLineDelayMs > 0) await wait(state.logLineDelayMs);
      }
      await new Promise<void>((resolve) => context.response.on('close', () => resolve()));
    }),
    route('POST', '/api/scheduled-jobs/([^/]+)', (context) => {
      const namespace = owned(context);
      const request = body(context);
      if (!namespace || !validate(context, (request.jobSpec as Record<string, unknown> | undefined) ?? {})) return;
      if (typeof request.schedule !== 'string' || request.schedule.trim() === '') return sendError(context.response, 400, 'schedule is required');
      state.counter += 1;
      const job: FakeScheduledJob = { id: sha(`scheduled-${state.counter}`).slice(0, 24), namespace, request, suspend: request.suspend === true, createdAt: new Date().toISOString(), runs: 0 };
      state.scheduled.set(job.id, job);
      sendJson(context.response, 200, scheduledJson(job));
    }),
    route('GET', '/api/scheduled-jobs/([^/]+)', (context) => {
      const namespace = owned(context);
      if (namespace) sendJson(context.response, 200, [...state.scheduled.values()].filter((job) => job.namespace === namespace).map(scheduledJson));
    }),
    route('GET', '/api/scheduled-jobs/([^/]+)/([^/]+)', (context) => {
      const job = owned(context) && findScheduled(context);
      if (job) sendJson(context.response, 200, scheduledJson(job));
    }),
    route('DELETE', '/api/scheduled-jobs/([^/]+)/([^/]+)', (context) => {
      const job = owned(context) && findScheduled(context);
      if (!job) return;
      state.scheduled.delete(job.id);
      context.response.writeHead(204).end();
    }),
    route('POST', '/api/scheduled-jobs/([^/]+)/([^/]+)/(suspend|resume|run)', (context) => {
      const job = owned(context) && findScheduled(context);
      if (!job) return;
      if (context.match[3] === 'run') job.runs += 1;
      else job.suspend = context.match[3] === 'suspend';
      sendJson(context.response, 200, scheduledJson(job));
    }),
  ];
}
