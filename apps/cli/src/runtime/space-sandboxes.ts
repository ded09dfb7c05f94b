import path from 'node:path';
import { defaultSessionDir } from '@ml-intern/context';
import { ConfigError, httpFetch, type AgentConfig, type AnyTool } from '@ml-intern/core';
import type { HardwareOffer, SpaceHubOptions, SpaceLease, SpaceLeaseStore, SpaceSandboxManager, SpaceSandboxManagerOptions, SwitchableSandbox } from '@ml-intern/sandbox';

/** Where live sandbox Spaces keep their leases: `$XDG_DATA_HOME/ml-intern/sandboxes`. */
export function sandboxLeaseDir(env: Record<string, string | undefined>): string {
  return path.join(path.dirname(defaultSessionDir(env)), 'sandboxes');
}

/** The Hub and Space gateway as this environment names them (HF_ENDPOINT, ML_INTERN_SPACE_URL_TEMPLATE). */
export function spaceHubOptions(env: Record<string, string | undefined>, token: string): SpaceHubOptions {
  return {
    token,
    fetch: httpFetch,
    ...(env.HF_ENDPOINT ? { hubUrl: env.HF_ENDPOINT } : {}),
    ...(env.ML_INTERN_SPACE_URL_TEMPLATE ? { spaceUrlTemplate: env.ML_INTERN_SPACE_URL_TEMPLATE } : {}),
  };
}

export interface SpaceSandboxSetup {
  manager: SpaceSandboxManager;
  /** The tiers a Space can request, with hourly prices. */
  hardware(): HardwareOffer[];
  tool: AnyTool;
  leases: SpaceLeaseStore;
  hub: SpaceHubOptions;
}

/**
 * `sandbox_create` and the manager behind it, when the user has an HF token and the workspace
 * tools are not already on a remote host. Prices come from the Hub's hardware catalog (its disk
 * cache, or a short wait for it), else the built-in table.
 */
export async function setUpSpaceSandboxes(options: {
  config: AgentConfig;
  env: Record<string, string | undefined>;
  hfToken: string | undefined;
  switchable: SwitchableSandbox;
  capUsd: number | null;
  notify(message: string, level: 'info' | 'warn' | 'error'): void;
}): Promise<SpaceSandboxSetup | undefined> {
  const { config, env, hfToken } = options;
  if (!hfToken || config.tool_runtime === 'remote') return undefined;
  const [{ createSandboxCreateTool, createSpaceLeaseStore, createSpaceSandboxManager, SPACE_HARDWARE }, { hubHardwarePricing, seedTrackioSpace }] = await Promise.all([import('@ml-intern/sandbox'), import('@ml-intern/tools-hf')]);
  const hub = spaceHubOptions(env, hfToken);
  const pricing = hubHardwarePricing({ token: hfToken, ...(hub.hubUrl ? { hubUrl: hub.hubUrl } : {}) });
  // The tool's description lists the prices: from the disk cache (fresh for six hours) when there is
  // one, else the built-in table while the live catalog loads for next time.
  await Promise.race([pricing.load(), new Promise((resolve) => setTimeout(resolve, 250).unref())]);
  const hardware = (): HardwareOffer[] => SPACE_HARDWARE.map((name) => ({ name, hourlyUsd: name === 'cpu-basic' ? 0 : pricing.hourlyPrice(name)?.usd }));
  const leases = createSpaceLeaseStore(sandboxLeaseDir(env));
  const manager = createSpaceSandboxManager({
    ...hub,
    switchable: options.switchable,
    leases,
    hardware,
    ...(options.capUsd === null ? {} : { capUsd: options.capUsd }),
    notify: options.notify,
  });
  // trackio_space_id: the dashboard Space is seeded (as for hf_jobs) and TRACKIO_* become the sandbox's variables.
  const seedTrackio: SpaceSandboxManagerOptions['seedTrackio'] = async (spaceId, project, { signal, log }) => {
    const target = await seedTrackioSpace({ token: hfToken, ...(hub.hubUrl ? { hubUrl: hub.hubUrl } : {}), fetch: httpFetch, spaceId, ...(project ? { project } : {}), signal, log });
    return { url: target.url, variables: target.env };
  };
  const tool = createSandboxCreateTool(manager, { ...hub, leases, hardware, seedTrackio }) as unknown as AnyTool;
  return { manager, tool, leases, hub, hardware };
}

/** `tool_runtime: "space"` needs a token; say how to give one. */
export function spaceRuntimeNeedsToken(): ConfigError {
  return new ConfigError('tool_runtime "space" (--sandbox space) needs a Hugging Face token with write access: set HF_TOKEN, or run `ml-intern` once and paste one when asked', { keyPath: 'tool_runtime' });
}

/**
 * Sandbox Spaces this machine's earlier runs left behind (their process is gone): deleted at once
 * when unattended, after `confirm` when a person is there. Never blocks startup on the Hub.
 */
export async function sweepOrphanSandboxes(setup: SpaceSandboxSetup, options: { confirm?: (orphans: SpaceLease[]) => Promise<boolean>; report(message: string): void }): Promise<void> {
  const orphans = setup.leases.orphans();
  if (orphans.length === 0) return;
  const names = orphans.map((lease) => `${lease.repoId} (${lease.hardware}, since ${lease.createdAt})`).join(', ');
  if (options.confirm && !(await options.confirm(orphans))) {
    options.report(`Left in place: ${names}. \`ml-intern sandboxes delete --all\` removes them.`);
    return;
  }
  const { deleteSpaceSandbox } = await import('@ml-intern/sandbox');
  for (const lease of orphans) {
    try {
      await deleteSpaceSandbox(lease.repoId, { ...setup.hub, leases: setup.leases });
      options.report(`Deleted the sandbox Space ${lease.repoId} an earlier run left behind.`);
    } catch (error) {
      options.report(`Could not delete the sandbox Space ${lease.repoId} an earlier run left behind: ${(error as Error).message}`);
    }
  }
}

/** `sandbox.space_hardware` must name a tier before anything is created. */
export function checkSpaceHardware(setup: SpaceSandboxSetup, hardware: string): void {
  const offers = setup.hardware();
  if (offers.some((offer) => offer.name === hardware)) return;
  throw new ConfigError(`sandbox.space_hardware "${hardware}" is not a Space hardware tier; use one of ${offers.map((offer) => offer.name).join(', ')} (e.g. --sandbox space:t4-small)`, { keyPath: 'sandbox.space_hardware' });
}
