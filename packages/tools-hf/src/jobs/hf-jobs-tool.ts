import type { SpaceHardwareFlavor } from '@huggingface/hub';
import { defineTool, ToolExecutionError, type ApprovalHint, type Tool, type ToolContext } from '@ml-intern/core';
import { z } from 'zod';
import { resolveHfConfig, type HfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall, type HubCall } from '../hub-call.js';
import { loadHub } from '../hub-library.js';
import { formatJob, formatJobsTable, isTerminal, jobUrl } from './job-format.js';
import { collapseInstallNoise, type CollectedLogs } from './job-logs.js';
import { buildJobSpec, formatDuration, forwardedSecrets, parseTimeout } from './job-spec.js';
import { readMetricsSnapshot } from './job-metrics.js';
import { metricsBlock, watchJob } from './job-watch.js';
import { HARDWARE_GUIDANCE, trainingWarnings } from './training-guidance.js';
import { qualifySpaceId, seedTrackioWithCall, validateTrackioInput, type TrackioTarget } from '../trackio/trackio-space.js';
import { createHardwarePricing, type HardwarePricing } from './hardware-pricing.js';
import { createJobTracker, type JobTracker } from './job-tracker.js';
import { runScheduledOperation, SCHEDULED_OPERATIONS } from './scheduled-job-operations.js';

const OPERATIONS = ['run', 'ps', 'logs', 'inspect', 'cancel', ...SCHEDULED_OPERATIONS] as const;
const SCHEDULED_WRITES: ReadonlySet<string> = new Set(['scheduled run', 'scheduled delete', 'scheduled suspend', 'scheduled resume']);

const inputSchema = z.object({
  operation: z.enum(OPERATIONS).describe('run a job, ps (list), logs, inspect, cancel; scheduled run/ps/inspect/delete/suspend/resume for cron jobs.'),
  script: z.string().optional().describe('run: Python to execute with uv — inline code, an https URL, or a workspace file path. PEP 723 "# /// script" metadata works.'),
  dependencies: z.array(z.string().max(200)).max(50).optional().describe('run with script: pip requirements added with `uv run --with` (e.g. ["trl>=0.12", "peft"]).'),
  python: z.string().max(20).optional().describe('run with script: Python version for uv (e.g. "3.12").'),
  script_args: z.array(z.string().max(1000)).max(100).optional().describe('run with script: command-line arguments for the script.'),
  image: z.string().max(300).optional().describe('Docker image (default: the uv image for scripts, python:3.12 for commands).'),
  command: z.array(z.string().max(10_000)).max(200).optional().describe('run without script: command to run in the image, e.g. ["python", "-c", "print(1)"].'),
  hardware_flavor: z.string().regex(/^[a-z0-9-]+$/).default('cpu-basic').describe('cpu-basic, cpu-upgrade, t4-small, t4-medium, l4x1, l4x4, a10g-small, a10g-large, a10g-largex2, a10g-largex4, l40sx1, l40sx4, l40sx8, a100-large, a100x4, a100x8, h100, h100x8 …'),
  timeout: z.string().max(20).default('30m').describe('Maximum run time, e.g. "30m", "2h" (default 30m). Cost estimate = hourly price × timeout.'),
  env: z.record(z.string(), z.string()).optional().describe('Environment variables for the job.'),
  secrets: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string())
    .optional()
    .describe('Secret environment variables (encrypted by the Hub). "$NAME" forwards NAME from this machine\'s environment, e.g. {"WANDB_API_KEY": "$WANDB_API_KEY"}: variables in config jobs.forward_env go without asking, any other always needs a person\'s approval. HF_TOKEN is added automatically.'),
  namespace: z.string().max(100).optional().describe('User or organization that runs and pays for the job (default: the token owner).'),
  job_id: z.string().max(100).optional().describe('logs / inspect / cancel: the job id.'),
  scheduled_job_id: z.string().max(100).optional().describe('scheduled inspect/delete/suspend/resume: the scheduled job id.'),
  schedule: z.string().max(100).optional().describe('scheduled run: cron expression or @hourly, @daily, @weekly, @monthly.'),
  wait_seconds: z.number().int().min(0).max(1_800).default(0).describe('run: stream logs for up to this many seconds before returning (default 0: return at once and poll with logs).'),
  follow_seconds: z.number().int().min(0).max(600).default(0).describe('logs: keep following new lines for up to this many seconds (default 0: current snapshot).'),
  tail: z.number().int().min(1).max(2_000).default(100).describe('logs / run with wait: number of last lines to return (default 100).'),
  all: z.boolean().default(false).describe('ps: include finished jobs (default only running ones).'),
  status: z.string().max(30).optional().describe('ps: only jobs whose status contains this (e.g. "error").'),
  trackio_space_id: z.string().max(200).optional().describe('run / scheduled run: Trackio dashboard Space ("owner/name", or a name under your user). It is created (private) and seeded with the dashboard if needed, and the job gets TRACKIO_SPACE_ID / TRACKIO_PROJECT; log with report_to="trackio" or trackio.init().'),
  trackio_project: z.string().max(100).optional().describe('run: Trackio project of the runs (default: the Space name).'),
});

type Input = z.output<typeof inputSchema>;

/** Options of {@link createHfJobsTool}. */
export interface HfJobsToolOptions extends HfToolsOptions {
  /** Ask before CPU runs too (default true, like ml-intern's `confirm_cpu_jobs`). GPU runs always ask. */
  confirmCpuJobs?: boolean;
  /** Namespace used when the model gives none (default: the token owner, from whoami). */
  namespace?: string;
  /** Give jobs the HF token as the `HF_TOKEN` secret so they can push results (default true). */
  passTokenToJobs?: boolean;
  /** USD/hour prices that override the catalog and the built-in table. */
  hardwarePrices?: Record<string, number>;
  /** Read prices from the Hub's hardware catalog (default true). */
  liveHardwareCatalog?: boolean;
  /** A logs snapshot stops after this much silence from a running job (default 2000 ms). */
  logIdleMs?: number;
  /** A logs snapshot stops after this long even if the replay is still under way (default 90 s). */
  logSnapshotMaxMs?: number;
  /**
   * Following logs streams only lines stamped after the call started, less this allowance for the
   * difference between this machine's clock and the Hub's (default 30 s); older lines are history.
   */
  logClockSkewMs?: number;
  /**
   * Host variables a run's `secrets` may forward as `"$NAME"` without a person's approval (config
   * `jobs.forward_env`). Forwarding any other host variable is never auto-approved.
   */
  forwardEnv?: readonly string[];
  /** The host environment `"$NAME"` secrets are read from (tools never read `process.env`). */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * Read a workspace file the session's commands see when that workspace is not this machine's
   * (a sandbox Space): resolves its text, or undefined to read `script` from the local workspace.
   */
  readWorkspaceFile?: (file: string) => Promise<string | undefined>;
}

/** Upper bound of a logs snapshot: long enough for the replay of a long job to reach its latest lines. */
const SNAPSHOT_MAX_MS = 90_000;

function isCpu(flavor: string): boolean {
  return flavor.startsWith('cpu-');
}

function runApproval(input: Input, pricing: HardwarePricing, options: HfJobsToolOptions): ApprovalHint {
  const confirmCpuJobs = options.confirmCpuJobs !== false;
  let seconds: number | undefined;
  try {
    seconds = parseTimeout(input.timeout);
  } catch {
    seconds = undefined;
  }
  const estimate = seconds === undefined ? undefined : pricing.estimate(input.hardware_flavor, seconds);
  const cost = estimate ? `up to $${estimate.usd.toFixed(2)} (${input.hardware_flavor} at $${estimate.hourly.usd.toFixed(2)}/h from the ${estimate.hourly.source} × ${formatDuration(seconds as number)})` : `cost unknown (no price for ${input.hardware_flavor})`;
  const scheduled = input.operation === 'scheduled run';
  let reason = scheduled ? `creates a recurring job (${input.schedule ?? 'no schedule'}) on ${input.hardware_flavor}, ${cost} per run` : `runs a job on ${input.hardware_flavor}, ${cost}`;
  const forwarded = forwardedSecrets(input.secrets, options.forwardEnv ?? [], options.passTokenToJobs !== false);
  if (forwarded.allowed.length) reason += `; forwards ${forwarded.allowed.join(', ')} from this machine (allowed by jobs.forward_env)`;
  // A job has the internet: forwarding a variable the user did not list could ship any of their secrets out.
  if (forwarded.unlisted.length) reason += `; forwards ${forwarded.unlisted.join(', ')} from this machine's environment into the job, which has internet access (not in jobs.forward_env, so a person must approve)`;
  if (input.trackio_space_id) reason += `; logs to the Trackio dashboard Space ${input.trackio_space_id} (created private and seeded if missing)`;
  const warnings = trainingWarnings({ scriptText: input.script?.includes('\n') ? input.script : undefined, scriptArgs: input.script_args, command: input.command, hardwareFlavor: input.hardware_flavor, timeoutSeconds: seconds });
  if (warnings.length) reason += `. Check: ${warnings.join(' ')}`;
  const neverAuto = scheduled || forwarded.unlisted.length > 0;
  const decision = neverAuto || !isCpu(input.hardware_flavor) || confirmCpuJobs ? 'ask' : 'allow';
  return { decision, reason, billable: true, ...(neverAuto ? { neverAuto: true } : {}), ...(estimate ? { costUsd: estimate.usd } : {}) };
}

/** The last lines of a job's log; `snapshot`: a read meant to reach the latest line, which says when it did not. */
function logsBlock(logs: CollectedLogs, snapshot = false): string {
  const { lines, total } = logs;
  if (total === 0) return '(no log lines yet)';
  const shown = collapseInstallNoise(lines);
  const block = `${total > lines.length ? `Last ${lines.length} of ${total} lines:\n` : ''}\`\`\`\n${shown.join('\n')}\n\`\`\``;
  // The endpoint replays from the first line: a replay still running at the deadline has not reached the latest lines.
  if (!snapshot || logs.stoppedBy !== 'deadline' || logs.ended) return block;
  return `${block}\n(The log replay was still catching up when reading stopped${logs.lastTimestamp ? `, at lines from ${logs.lastTimestamp.toISOString()}` : ''}: newer lines exist. Call logs with follow_seconds to read further.)`;
}

interface JobsRuntime {
  config: HfConfig;
  options: HfJobsToolOptions;
  pricing: HardwarePricing;
  tracker: JobTracker;
  namespace(call: HubCall, input: Input): Promise<string>;
}

async function seedTrackio(call: HubCall, input: Input, ctx: ToolContext, namespace: string): Promise<TrackioTarget | undefined> {
  if (!input.trackio_space_id) return undefined;
  validateTrackioInput(input.trackio_space_id, input.trackio_project);
  const spaceId = await qualifySpaceId(call, input.trackio_space_id, namespace);
  try {
    return await seedTrackioWithCall(call, { spaceId, project: input.trackio_project, log: (message) => ctx.log(message) });
  } catch (error) {
    throw call.toToolError(error, { label: `Trackio Space "${spaceId}"`, kind: 'repo', pageUrl: `${call.config.hubUrl}/spaces/${spaceId}` });
  }
}

async function runJobOperation(runtime: JobsRuntime, call: HubCall, input: Input, ctx: ToolContext, namespace: string): Promise<string> {
  const { config, tracker } = runtime;
  const timeoutSeconds = parseTimeout(input.timeout);
  const spec = await buildJobSpec(input, { cwd: ctx.session.cwd, token: config.token, passToken: runtime.options.passTokenToJobs !== false, hostEnv: runtime.options.hostEnv, readWorkspaceFile: runtime.options.readWorkspaceFile });
  const trackio = await seedTrackio(call, input, ctx, namespace);
  const environment = { ...spec.environment, ...trackio?.env };
  await runtime.pricing.load();
  const estimate = runtime.pricing.estimate(input.hardware_flavor, timeoutSeconds);
  const { getJob, runJob } = await loadHub();
  const job = await runJob({ ...call.library, namespace, dockerImage: spec.dockerImage, command: spec.command, environment, secrets: spec.secrets, flavor: input.hardware_flavor as SpaceHardwareFlavor, timeoutSeconds });
  tracker.track(ctx, namespace, job.id, estimate?.hourly.usd);
  const url = jobUrl(config.hubUrl, namespace, job.id);
  ctx.reportState?.({ jobUrl: url, ...(trackio ? { trackioSpaceId: trackio.spaceId, trackioProject: trackio.project } : {}) });
  ctx.log(`Started HF job ${job.id} on ${input.hardware_flavor}: ${url}`);
  const lines = [
    `Started job ${job.id} (${spec.kind}: ${spec.source}) on ${input.hardware_flavor}, timeout ${formatDuration(timeoutSeconds)}${estimate ? `, estimated cost up to $${estimate.usd.toFixed(2)} (${estimate.hourly.source})` : ''}.`,
    `URL: ${url}`,
  ];
  if (trackio) lines.push(`Trackio dashboard: ${trackio.url} (project "${trackio.project}"; the job has TRACKIO_SPACE_ID and TRACKIO_PROJECT)`);
  const warnings = trainingWarnings({ scriptText: spec.scriptText, scriptArgs: input.script_args, command: input.command, hardwareFlavor: input.hardware_flavor, timeoutSeconds });
  for (const warning of warnings) lines.push(`Warning: ${warning}`);
  if (input.wait_seconds === 0) {
    lines.push(`The job runs in the background. Poll with hf_jobs logs or inspect (job_id "${job.id}"); stop it with hf_jobs cancel.`);
    return lines.join('\n');
  }
  const watched = await watchJob(call, { namespace, jobId: job.id, maxWaitMs: input.wait_seconds * 1000, keep: input.tail, log: (line, level) => ctx.log(line, level) });
  const current = await getJob({ ...call.library, namespace, jobId: job.id });
  if (isTerminal(current)) tracker.settle(job.id, current);
  lines.push(`Status after waiting: ${current.status?.stage ?? 'UNKNOWN'}${current.status?.message ? ` (${current.status.message})` : ''}`, ...metricsBlock(watched.metrics), logsBlock(watched.logs));
  if (!isTerminal(current)) lines.push(`Still running. Poll with hf_jobs logs / inspect and job_id "${job.id}".`);
  return lines.join('\n');
}

async function logsOperation(runtime: JobsRuntime, call: HubCall, input: Input, ctx: ToolContext, namespace: string, id: string): Promise<string> {
  const following = input.follow_seconds > 0;
  const watched = await watchJob(call, {
    namespace,
    jobId: id,
    // A snapshot reads until the replay goes quiet (it has reached the live end), within a bound.
    maxWaitMs: following ? input.follow_seconds * 1000 : (runtime.options.logSnapshotMaxMs ?? SNAPSHOT_MAX_MS),
    ...(following
      ? { log: (line: string, level?: 'info' | 'warn') => ctx.log(line, level), liveSince: Date.now() - (runtime.options.logClockSkewMs ?? 30_000) }
      : { idleMs: runtime.options.logIdleMs ?? 2_000 }),
    keep: input.tail,
  });
  const { getJob } = await loadHub();
  const job = await getJob({ ...call.library, namespace, jobId: id });
  const terminal = isTerminal(job);
  if (terminal) runtime.tracker.settle(id, job);
  const lines = [`Job ${id}: ${job.status?.stage ?? 'UNKNOWN'}${job.status?.message ? ` (${job.status.message})` : ''} — ${jobUrl(runtime.config.hubUrl, namespace, id)}`, ...(terminal ? [] : metricsBlock(watched.metrics)), logsBlock(watched.logs, !following)];
  if (watched.logs.interruptedBy) lines.push(`(The log stream was cut: ${watched.logs.interruptedBy}.)`);
  if (!terminal) lines.push('The job is still running; call logs again later (follow_seconds streams new lines and GPU metrics while waiting).');
  return lines.join('\n');
}

async function runOperation(runtime: JobsRuntime, call: HubCall, input: Input, ctx: ToolContext): Promise<string> {
  const { config, tracker } = runtime;
  const namespace = await runtime.namespace(call, input);
  const jobId = () => {
    if (!input.job_id) throw new ToolExecutionError(`${input.operation} needs job_id.`);
    return input.job_id;
  };
  const { cancelJob, getJob, listJobs } = await loadHub();
  switch (input.operation) {
    case 'run':
      return runJobOperation(runtime, call, input, ctx, namespace);
    case 'ps': {
      let jobs = await listJobs({ ...call.library, namespace });
      if (!input.all) jobs = jobs.filter((job) => !isTerminal(job));
      if (input.status) jobs = jobs.filter((job) => String(job.status?.stage ?? '').toLowerCase().includes((input.status as string).toLowerCase()));
      if (jobs.length === 0) return input.all ? `No jobs in ${namespace}.` : `No running jobs in ${namespace}. Pass all: true to include finished ones.`;
      return `# Jobs of ${namespace} (${jobs.length})\n\n${formatJobsTable(jobs.slice(0, 100))}${jobs.length > 100 ? `\n… ${jobs.length - 100} more` : ''}`;
    }
    case 'logs':
      return logsOperation(runtime, call, input, ctx, namespace, jobId());
    case 'inspect': {
      const job = await getJob({ ...call.library, namespace, jobId: jobId() });
      if (isTerminal(job)) {
        tracker.settle(job.id, job);
        return formatJob(job, config.hubUrl, namespace);
      }
      return [formatJob(job, config.hubUrl, namespace), ...metricsBlock(await readMetricsSnapshot(call, namespace, job.id, 3_000))].join('\n');
    }
    case 'cancel': {
      const id = jobId();
      const job = await cancelJob({ ...call.library, namespace, jobId: id });
      tracker.settle(id);
      return `Cancellation requested for job ${id} (status now ${job?.status?.stage ?? 'unknown'}): ${jobUrl(config.hubUrl, namespace, id)}`;
    }
    default: {
      const trackio = input.operation === 'scheduled run' ? await seedTrackio(call, input, ctx, namespace) : undefined;
      const created = await runScheduledOperation(call, input, { namespace, cwd: ctx.session.cwd, passToken: runtime.options.passTokenToJobs !== false, pricing: runtime.pricing, hostEnv: runtime.options.hostEnv, extraEnv: trackio?.env, readWorkspaceFile: runtime.options.readWorkspaceFile });
      return trackio ? `${created}\nTrackio dashboard: ${trackio.url} (project "${trackio.project}")` : created;
    }
  }
}

/**
 * `hf_jobs`: run Python scripts (uv) or docker commands on Hugging Face hardware, follow their
 * logs, inspect and cancel them, and manage scheduled jobs. `run` returns the job id and URL at
 * once (optional bounded `wait_seconds`); its approval hint carries the cost estimate; jobs a
 * session started are cancelled when the session is interrupted.
 */
export function createHfJobsTool(options: HfJobsToolOptions = {}): Tool<typeof inputSchema> {
  const config = resolveHfConfig(options);
  const pricing = createHardwarePricing(config, { live: options.liveHardwareCatalog !== false, ...(options.hardwarePrices ? { overrides: options.hardwarePrices } : {}) });
  const tracker = createJobTracker(config);
  let owner: Promise<string> | undefined;
  const runtime: JobsRuntime = {
    config,
    options,
    pricing,
    tracker,
    namespace(call, input) {
      if (input.namespace) return Promise.resolve(input.namespace);
      if (options.namespace) return Promise.resolve(options.namespace);
      if (!config.token) throw new ToolExecutionError('HF Jobs need a token: configure HF_TOKEN (or pass namespace with a token that can use it).');
      owner ??= loadHub()
        .then(({ whoAmI }) => whoAmI({ ...call.library }))
        .then((user) => user.name);
      owner.catch(() => {
        owner = undefined;
      });
      return owner;
    },
  };
  return defineTool({
    name: 'hf_jobs',
    description:
      'Run compute on Hugging Face Jobs: a Python script (inline, URL or workspace file; dependencies via uv) or a docker ' +
      'image + command, on CPU or GPU hardware with a timeout. `run` returns the job id and URL immediately; then poll with ' +
      '`logs` (last lines; follow_seconds to stream) and `inspect`, and `cancel` if needed. Cost = hourly price × timeout. ' +
      'Scheduled jobs (cron) have their own operations. Runs and scheduled changes need approval. Pass trackio_space_id to ' +
      'get a live Trackio dashboard of the training metrics.\n' +
      HARDWARE_GUIDANCE,
    inputSchema,
    readOnly: (input) => ['ps', 'logs', 'inspect', 'scheduled ps', 'scheduled inspect'].includes(input.operation),
    timeoutMs: (input) => (input.operation === 'run' ? input.wait_seconds * 1000 : input.operation === 'logs' ? Math.max(input.follow_seconds * 1000, SNAPSHOT_MAX_MS) : 0) + 120_000,
    approval(input) {
      if (input.operation === 'run' || input.operation === 'scheduled run') {
        pricing.warm();
        return runApproval(input, pricing, options);
      }
      if (SCHEDULED_WRITES.has(input.operation)) {
        return { decision: 'ask', neverAuto: true, reason: `${input.operation.replace('scheduled ', '')}s scheduled job ${input.scheduled_job_id ?? '?'} (scheduled jobs always need explicit approval)` };
      }
      return { decision: 'allow' };
    },
    summarize(input) {
      if (input.operation === 'run' || input.operation === 'scheduled run') {
        const what = input.script ? (input.script.includes('\n') ? 'inline script' : input.script) : (input.command ?? []).join(' ');
        return `hf_jobs ${input.operation} on ${input.hardware_flavor} (timeout ${input.timeout})${input.schedule ? ` ${input.schedule}` : ''}: ${what.slice(0, 80)}`;
      }
      return `hf_jobs ${input.operation}${input.job_id ? ` ${input.job_id}` : ''}${input.scheduled_job_id ? ` ${input.scheduled_job_id}` : ''}`;
    },
    // A job an earlier run of the session started and left running: reconcile its cost if it
    // has ended since, else keep watching it like any job this run started.
    async reconcile(resource, ctx) {
      if (resource.kind !== 'hf_job' || typeof resource.namespace !== 'string') return;
      const call = createHubCall(config, ctx.signal);
      const { getJob } = await loadHub();
      const job = await getJob({ ...call.library, namespace: resource.namespace, jobId: resource.id });
      const hourly = typeof resource.hourly_usd === 'number' ? resource.hourly_usd : undefined;
      tracker.track(ctx, resource.namespace, resource.id, hourly);
      if (isTerminal(job)) tracker.settle(resource.id, job);
      else ctx.log(`Job ${resource.id} from the previous run is still ${job.status?.stage ?? 'running'}; its reservation of $${ctx.reservation.reservedUsd.toFixed(2)} stays counted until it ends.`);
    },
    async execute(input, ctx) {
      const call = createHubCall(config, ctx.signal);
      try {
        return call.redact(await runOperation(runtime, call, input, ctx));
      } catch (error) {
        const id = input.job_id ?? input.scheduled_job_id;
        throw call.toToolError(error, id ? { label: `job ${id}`, kind: 'job' } : { label: `HF Jobs (${input.namespace ?? options.namespace ?? 'your namespace'})`, kind: 'other' });
      }
    },
  });
}
