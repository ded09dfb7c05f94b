import { defineTool, ToolExecutionError, type CostReservation, type ToolLogLevel, type UsageMeter } from '@ml-intern/core';
import { z } from 'zod';
import { createSpaceSandbox, deleteSpaceSandbox, SANDBOX_SPACE_PREFIX, spaceRuntime, type SpaceHubOptions, type SpaceSandbox } from './space-sandbox.js';
import type { SpaceLeaseStore } from './space-leases.js';
import type { SwitchableSandbox } from './switchable-sandbox.js';

/** Hardware tiers a Space can request (the Hub's `SpaceHardwareFlavor`s plus the H100/H200 families). */
export const SPACE_HARDWARE = [
  'cpu-basic',
  'cpu-upgrade',
  'cpu-performance',
  'cpu-xl',
  't4-small',
  't4-medium',
  'l4x1',
  'l4x4',
  'l40sx1',
  'l40sx4',
  'l40sx8',
  'a10g-small',
  'a10g-large',
  'a10g-largex2',
  'a10g-largex4',
  'a100-large',
  'a100x4',
  'a100x8',
  'h100',
  'h100x8',
  'h200',
  'h200x2',
  'h200x4',
  'h200x8',
] as const;

export interface HardwareOffer {
  name: string;
  /** USD per hour; undefined when the price is unknown. */
  hourlyUsd: number | undefined;
}

export interface SpaceSandboxManagerOptions extends SpaceHubOptions {
  /** The sandbox the workspace tools use: switched to the Space while it lives. */
  switchable: SwitchableSandbox;
  leases?: SpaceLeaseStore;
  /** Hardware with hourly prices: the Hub's live catalog where it has loaded. */
  hardware(): HardwareOffer[];
  /** Hourly renewals stop, and the Space is deleted, when the next hour would pass this (the auto-approval cap). */
  capUsd?: number;
  /** How often the reservation is renewed (default one hour). */
  renewIntervalMs?: number;
  /** Notices outside a tool call (a Space deleted because the budget ran out). */
  notify?(message: string, level: ToolLogLevel): void;
  /** Seed a Trackio dashboard Space; returns the variables for the sandbox (TRACKIO_*) and the dashboard URL. */
  seedTrackio?(spaceId: string, project: string | undefined, options: { signal: AbortSignal; log(message: string): void }): Promise<{ url?: string; variables: Record<string, string> }>;
  pollIntervalMs?: number;
  startTimeoutMs?: number;
  healthTimeoutMs?: number;
}

export interface CreateOptions {
  signal?: AbortSignal;
  log?: (message: string) => void;
  sessionId?: string;
  /** The approval's reservation of the first hour; renewals are reserved on `meter`. */
  reservation?: CostReservation;
  meter?: UsageMeter;
  budgetUsd?: number;
  variables?: Record<string, string>;
}

/** The session's sandbox Space: creates it, renews its cost hourly, deletes it. */
export interface SpaceSandboxManager {
  readonly active: SpaceSandbox | undefined;
  hourlyPrice(hardware: string): number | undefined;
  create(hardware: string, options?: CreateOptions): Promise<SpaceSandbox>;
  /** Delete the Space (if any) and move the tools back; safe to call twice. */
  teardown(reason?: string): Promise<void>;
}

const HOUR_MS = 3_600_000;

export function createSpaceSandboxManager(options: SpaceSandboxManagerOptions): SpaceSandboxManager {
  /** The live Space, its renewal timer and what it has reserved. */
  let held: { space: SpaceSandbox; timer: NodeJS.Timeout; reservation: CostReservation | undefined; renewals: CostReservation[]; hourly: number } | undefined;
  let tearing: Promise<void> | undefined;

  const hourlyPrice = (hardware: string) => (hardware === 'cpu-basic' ? 0 : options.hardware().find((offer) => offer.name === hardware)?.hourlyUsd);

  async function teardown(reason?: string): Promise<void> {
    if (tearing) return tearing;
    const ending = held;
    if (!ending) return;
    const { space } = ending;
    tearing = (async () => {
      clearInterval(ending.timer);
      options.switchable.restore();
      held = undefined;
      try {
        await deleteSpaceSandbox(space.repoId, { ...options, ...(options.leases ? { leases: options.leases } : {}) });
        if (reason) options.notify?.(`Sandbox Space ${space.repoId} deleted: ${reason}.`, 'info');
      } catch (error) {
        options.notify?.(`Could not delete the sandbox Space ${space.repoId}: ${(error as Error).message}. Its record stays in ${options.leases?.dir ?? 'the data dir'}; \`ml-intern sandboxes delete ${space.repoId}\` removes it.`, 'warn');
      } finally {
        // What it cost: its lifetime at the hourly price (the renewals were only holds).
        const hours = (Date.now() - space.createdAt.getTime()) / HOUR_MS;
        for (const renewal of ending.renewals) renewal.settle(0);
        ending.reservation?.settle(Math.round(hours * ending.hourly * 100) / 100);
      }
    })();
    try {
      await tearing;
    } finally {
      tearing = undefined;
    }
  }

  return {
    get active() {
      return held?.space;
    },
    hourlyPrice,
    teardown,
    async create(hardware, createOptions = {}) {
      if (held) await teardown(`replaced by a ${hardware} sandbox`);
      const hourly = hourlyPrice(hardware) ?? 0;
      const space = await createSpaceSandbox({
        ...options,
        hardware,
        ...(createOptions.signal ? { signal: createOptions.signal } : {}),
        ...(createOptions.log ? { log: createOptions.log } : {}),
        ...(createOptions.variables ? { variables: createOptions.variables } : {}),
        ...(options.leases ? { leases: options.leases } : {}),
        ...(createOptions.sessionId ? { sessionId: createOptions.sessionId } : {}),
        hourlyUsd: hourly,
      });
      options.switchable.switchTo(space.sandbox);
      createOptions.reservation?.hold({ kind: 'space_sandbox', id: space.repoId, hardware, hourly_usd: hourly, created_at: space.createdAt.toISOString() });
      const renewals: CostReservation[] = [];
      const timer = setInterval(() => {
        if (hourly <= 0 || !createOptions.meter) return;
        const meter = createOptions.meter;
        const overBudget = createOptions.budgetUsd !== undefined && meter.spentUsd + hourly > createOptions.budgetUsd;
        const overCap = options.capUsd !== undefined && meter.jobCostUsd + hourly > options.capUsd;
        if (overBudget || overCap) {
          const limit = overBudget ? `the budget ($${createOptions.budgetUsd?.toFixed(2)})` : `the auto-approval cap ($${options.capUsd?.toFixed(2)})`;
          void teardown(`another hour at $${hourly.toFixed(2)} would pass ${limit}; bash, read, write and edit are back on the local workspace`);
          return;
        }
        const renewal = meter.reserve(hourly);
        renewal.hold();
        renewals.push(renewal);
      }, options.renewIntervalMs ?? HOUR_MS);
      timer.unref();
      held = { space, timer, reservation: createOptions.reservation, renewals, hourly };
      return space;
    },
  };
}

function priceText(usd: number | undefined): string {
  if (usd === undefined) return 'price unknown';
  return usd === 0 ? 'free' : `$${usd.toFixed(2)}/h`;
}

/**
 * `sandbox_create`: a private HF Space running the sandbox host on the chosen hardware; `bash`,
 * `read`, `write` and `edit` move to it until the session ends (or another tier replaces it).
 */
export function createSandboxCreateTool(manager: SpaceSandboxManager, options: Pick<SpaceSandboxManagerOptions, 'hardware' | 'seedTrackio' | 'leases'> & SpaceHubOptions) {
  const offers = options.hardware();
  const listed = offers.map((offer) => `${offer.name} (${priceText(offer.hourlyUsd)})`).join(', ');
  return defineTool({
    name: 'sandbox_create',
    description:
      `Create a private Hugging Face Space on the given hardware running a sandbox, and move bash, read, write and edit to it for the rest of the session: use it to smoke-test a training script on a real GPU, check CUDA and memory, and iterate before launching a long hf_jobs run. ` +
      `It has the internet and HF_TOKEN (Hub downloads and pushes work), Python with uv, and git. Its workspace (/app) is its own: nothing is synced with the local workspace, so move files with write/read or through the Hub. ` +
      `It takes a few minutes to build, is billed per hour while it exists, and is deleted when the session ends. Hardware (USD/hour): ${listed}.`,
    inputSchema: z.object({
      hardware: z.string().describe('Hardware tier, e.g. cpu-basic (free), t4-small, a10g-small, l4x1, a100-large'),
      trackio_space_id: z.string().optional().describe('Trackio dashboard Space (owner/name) for metrics logged from the sandbox'),
      trackio_project: z.string().optional().describe('Trackio project name'),
    }),
    summarize: (input) => `sandbox_create ${input.hardware}`,
    approval(input) {
      const hourly = manager.hourlyPrice(input.hardware);
      // Seeding a dashboard writes the app files of that Space (one of the user's own, maybe): a person decides.
      const dashboard = input.trackio_space_id ? `; seeds the Trackio dashboard Space ${input.trackio_space_id} (writes its app files unless it already is one)` : '';
      if (input.hardware === 'cpu-basic' && !dashboard) return { decision: 'allow' };
      return {
        decision: 'ask',
        ...(input.hardware === 'cpu-basic' ? {} : { billable: true, ...(hourly === undefined ? {} : { costUsd: hourly }) }),
        reason: `a private ${input.hardware} Space at ${priceText(hourly)}, reserved an hour at a time and deleted when the session ends${dashboard}`,
      };
    },
    timeoutMs: 20 * 60_000,
    async execute(input, ctx) {
      const known = offers.some((offer) => offer.name === input.hardware) || (SPACE_HARDWARE as readonly string[]).includes(input.hardware);
      if (!known) throw new ToolExecutionError(`unknown hardware "${input.hardware}". Choose one of: ${listed}.`);
      if (manager.active?.hardware === input.hardware) {
        const space = manager.active;
        return `A ${space.hardware} sandbox already runs: ${space.repoId} (workspace ${space.sandbox.workspace}). bash, read, write and edit use it.`;
      }
      let variables: Record<string, string> = {};
      let dashboard: string | undefined;
      if (input.trackio_space_id) {
        if (!options.seedTrackio) throw new ToolExecutionError('Trackio is not available in this runtime; create the sandbox without trackio_space_id.');
        const seeded = await options.seedTrackio(input.trackio_space_id, input.trackio_project, { signal: ctx.signal, log: (message) => ctx.log(message) });
        variables = seeded.variables;
        dashboard = seeded.url;
        ctx.reportState?.({ trackioSpaceId: input.trackio_space_id, ...(input.trackio_project ? { trackioProject: input.trackio_project } : {}) });
      }
      const space = await manager.create(input.hardware, {
        signal: ctx.signal,
        log: (message) => ctx.log(message),
        sessionId: ctx.session.id,
        ...(ctx.reservation ? { reservation: ctx.reservation } : {}),
        ...(ctx.session.meter ? { meter: ctx.session.meter } : {}),
        ...(ctx.session.budgetUsd === undefined ? {} : { budgetUsd: ctx.session.budgetUsd }),
        variables,
      });
      const description = await space.sandbox.describe().catch(() => space.sandbox.description);
      const gpus = description.gpu?.length ? description.gpu.map((gpu) => `${gpu.name} (${gpu.memoryMiB} MiB)`).join(', ') : undefined;
      return [
        `Sandbox Space ${space.repoId} is running on ${space.hardware} (${priceText(manager.hourlyPrice(space.hardware))}). Visibility: private.`,
        `bash, read, write and edit now run there; its workspace is ${space.sandbox.workspace}, separate from the local one (nothing is synced).`,
        ...(gpus ? [`GPUs: ${gpus}.`] : []),
        `It has the internet and HF_TOKEN. It is deleted when the session ends.`,
        ...(dashboard ? [`Trackio dashboard: ${dashboard}`] : []),
      ].join('\n');
    },
    async reconcile(resource, ctx) {
      // Only a sandbox Space is ever deleted here, whatever the log says.
      if (!new RegExp(`^[^/]+/${SANDBOX_SPACE_PREFIX}[0-9a-f]{8}$`).test(resource.id)) {
        ctx.log(`not deleting ${resource.id}: it is not a sandbox Space`, 'warn');
        return;
      }
      // A Space an earlier run of this session left behind: delete it unless a live run still holds it.
      const lease = options.leases?.list().find((one) => one.repoId === resource.id);
      if (lease && options.leases?.isLive(lease)) return;
      const createdAt = typeof resource.created_at === 'string' ? Date.parse(resource.created_at) : Number.NaN;
      const hourly = typeof resource.hourly_usd === 'number' ? resource.hourly_usd : 0;
      let gone = false;
      try {
        await spaceRuntime(resource.id, options, ctx.signal);
      } catch (error) {
        gone = (error as { status?: number }).status === 404;
        if (!gone) throw error;
      }
      if (!gone) {
        await deleteSpaceSandbox(resource.id, { ...options, ...(options.leases ? { leases: options.leases } : {}) });
        ctx.log(`Deleted the sandbox Space ${resource.id} the previous run left behind.`);
      }
      const hours = Number.isFinite(createdAt) ? Math.max(0, Date.now() - createdAt) / HOUR_MS : 1;
      ctx.reservation.settle(Math.round(hours * hourly * 100) / 100);
    },
  });
}
