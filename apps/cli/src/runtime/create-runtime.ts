import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { JsonlSessionStore, SessionLockedError, createRedactor, defaultSessionDir, readSessionLog, secretsFromEnv, type Message } from '@ml-intern/context';
import {
  ConfigError,
  DEFAULT_AUTO_APPROVAL_CAP_USD,
  createApprovalPolicy,
  httpFetch,
  createResearchTool,
  createSession,
  openReservations,
  describeIgnoredProjectSettings,
  loadConfig,
  loadProjectEnv,
  resolveProjectTrust,
  trustStoreFile,
  parseModelId,
  resolveModel,
  type AgentConfig,
  type AnyTool,
  type ApprovalMode,
  type LanguageModel,
  type OpenReservation,
  type ModelCatalog,
  type ResolveModelOptions,
  type SessionStore,
  type WorkspaceCheckpoints,
  UsageMeter,
} from '@ml-intern/core';
import type { PlanItem } from '@ml-intern/events';
import builtinCli from '../../../../configs/cli_agent_config.json' with { type: 'json' };
import builtinHeadless from '../../../../configs/headless_agent_config.json' with { type: 'json' };
import modelCatalog from '../../../../configs/models.json' with { type: 'json' };
import { readStoredHfToken } from '../interactive/hf-token.js';
import { connectConfiguredMcp, createIntegrations } from './create-integrations.js';
import { createToolFamilies } from './create-tools.js';
import { hasCredentials, noCredentialsMessage } from './credentials.js';
import type { Sandbox } from '@ml-intern/sandbox';
import type { Runtime, RuntimeDescription, RuntimeOptions } from './runtime-types.js';
import { ProjectInstructions } from './project-instructions.js';
import { renderSystemPrompt } from './system-prompt.js';
import { checkSpaceHardware, setUpSpaceSandboxes, spaceRuntimeNeedsToken, sweepOrphanSandboxes } from './space-sandboxes.js';

/** No provider credentials: the CLI prints the message and offers the demo (exit code 2). */
export class MissingCredentialsError extends ConfigError {
  constructor(modelId: string) {
    super(noCredentialsMessage(modelId), { keyPath: 'model_name' });
  }
}

/** Build a LanguageModel for an id with the providers installed in the app. */
export async function createModel(id: string, config: AgentConfig, env: Record<string, string | undefined>, hfToken: string | undefined): Promise<LanguageModel> {
  if (!hasCredentials(id, env, hfToken)) throw new MissingCredentialsError(id);
  // Load only the provider this model needs: each SDK costs 100–250 ms of startup. Requests go
  // through core's node:http fetch: Node's own costs a one-shot run ~100 ms (see http-fetch.ts).
  const factories: ResolveModelOptions['factories'] = {};
  // The providers' own silence limit follows the setting too (core gives up on a silent call at the same point).
  const idleTimeoutMs = config.model_idle_timeout_s * 1000;
  if (parseModelId(id).provider === 'anthropic') {
    const { anthropicModelFactory } = await import('@ml-intern/provider-anthropic');
    factories.anthropic = anthropicModelFactory({
      fetch: httpFetch,
      idleTimeoutMs,
      ...(env.ANTHROPIC_API_KEY ? { apiKey: env.ANTHROPIC_API_KEY } : {}),
      ...(env.ANTHROPIC_BASE_URL ? { baseURL: env.ANTHROPIC_BASE_URL } : {}),
    });
  } else {
    const { openAIModelFactory } = await import('@ml-intern/provider-openai');
    factories.openai = openAIModelFactory({ fetch: httpFetch, idleTimeoutMs, env: hfToken && !env.HF_TOKEN ? { ...env, HF_TOKEN: hfToken } : env });
  }
  // configs/models.json only overrides: windows and prices come from the provider packages' catalogs.
  const model = resolveModel(id, {
    factories,
    catalog: modelCatalog as ModelCatalog,
    ...(config.compaction.context_window ? { overrides: { contextWindow: config.compaction.context_window } } : {}),
  });
  // A local server is asked for its context window now, so the first compaction check uses it
  // (bounded in time; a server that cannot say leaves the default, and startup never fails on it).
  const probeInfo = (model as { probeInfo?: (options?: { signal?: AbortSignal }) => Promise<unknown> }).probeInfo;
  if (probeInfo) await probeInfo.call(model, { signal: AbortSignal.timeout(3_000) }).catch(() => {});
  return model;
}

/**
 * The approval setup of a run. Interactive: `default` (or `yolo`), a person answers. One-shot and
 * headless: nobody can answer, so every *ask* is a deny; `auto` (the default) approves billable
 * work within the auto-approval cap, `strict` nothing beyond the rules. `--yolo` unattended only
 * adds unsandboxed commands (tool_runtime "local") to what auto approves.
 */
function approvalSetup(options: RuntimeOptions, config: AgentConfig): { mode: ApprovalMode; interactive: boolean; capUsd: number | null } {
  if (options.mode === 'interactive' || options.askApprovals) return { mode: config.yolo_mode ? 'yolo' : 'default', interactive: true, capUsd: config.budget_usd };
  if (config.approval.unattended === 'strict') return { mode: 'strict', interactive: false, capUsd: null };
  return { mode: 'auto', interactive: false, capUsd: config.budget_usd ?? DEFAULT_AUTO_APPROVAL_CAP_USD };
}

/** A path as a shell word, for commands the user may copy. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * `.env` plus the layered config for a run mode (the same for the runtime and its pre-checks).
 * The project's `.ml-intern/config.json` and `.env` apply in full only when the folder is trusted
 * (`--trust-project`, or a decision recorded for its current files); otherwise what was left out
 * is in `announcement`, to print once.
 */
export function loadRuntimeConfig(options: Pick<RuntimeOptions, 'mode' | 'cwd' | 'env' | 'configFile' | 'flags' | 'trustProject'>) {
  const trust = resolveProjectTrust({ cwd: options.cwd, env: options.env, ...(options.trustProject ? { trustProject: true } : {}) });
  const { project } = trust;
  const dotEnv = loadProjectEnv(options.cwd, options.env, { project, projectTrust: trust.trust });
  const { env } = dotEnv;
  const interactive = options.mode === 'interactive';
  const loaded = loadConfig({
    builtin: interactive ? builtinCli : builtinHeadless,
    builtinSource: interactive ? 'configs/cli_agent_config.json' : 'configs/headless_agent_config.json',
    cwd: options.cwd,
    env,
    project,
    projectTrust: trust.trust,
    ...(options.configFile ? { configFile: options.configFile } : {}),
    ...(options.flags ? { flags: options.flags } : {}),
  });
  const ignored = { root: project.realRoot, configKeys: loaded.ignoredProjectKeys, envNames: dotEnv.ignored };
  const announcement = ignored.configKeys.length > 0 || ignored.envNames.length > 0
    ? `ml-intern: ${describeIgnoredProjectSettings(ignored)} Trust it with \`ml-intern trust ${shellWord(project.realRoot)}\` or pass --trust-project.`
    : undefined;
  return { env, loaded, projectTrust: trust.state, projectTrusted: trust.trust === 'trusted', announcement };
}

/** `tool_runtime: "remote"`: a sandbox host at `sandbox.url`, its token from ML_INTERN_SANDBOX_TOKEN. */
async function connectRemoteSandbox(connect: typeof import('@ml-intern/sandbox').createRemoteSandbox, config: AgentConfig, env: Record<string, string | undefined>): Promise<Sandbox> {
  if (!config.sandbox.url) throw new ConfigError('tool_runtime "remote" needs sandbox.url (or --sandbox-url <url>): the address of an ml-intern-sandbox-host', { keyPath: 'sandbox.url' });
  try {
    return await connect({ baseURL: config.sandbox.url, fetch: httpFetch, ...(env.ML_INTERN_SANDBOX_TOKEN ? { token: env.ML_INTERN_SANDBOX_TOKEN } : {}) });
  } catch (error) {
    throw new ConfigError(`cannot reach the sandbox host at ${config.sandbox.url}: ${(error as Error).message}`, { keyPath: 'sandbox.url' });
  }
}

/** Compose config, model, tools, policy, gateways and the session log into a running session. */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
  const { env, loaded, projectTrust, projectTrusted, announcement } = loadRuntimeConfig(options);
  if (announcement) warn(announcement);
  const { config } = loaded;
  const hfToken = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || readStoredHfToken(env);
  if (!options.model && !hasCredentials(config.model_name, env, hfToken)) throw new MissingCredentialsError(config.model_name);
  // The provider SDK loads while the sandbox is probed and the tools are built.
  const creatingModel = options.model ? Promise.resolve(options.model) : createModel(config.model_name, config, env, hfToken);
  creatingModel.catch(() => {});

  const { createLocalSandbox, createRemoteSandbox, createGitCheckpoints, fitImage, createSwitchableSandbox } = await import('@ml-intern/sandbox');
  const baseSandbox: Sandbox & { close?(): Promise<void> } =
    config.tool_runtime === 'remote'
      ? await connectRemoteSandbox(createRemoteSandbox, config, env)
      : createLocalSandbox({
          workspace: options.cwd,
          hostEnv: env,
          // tool_runtime "local": commands run on this machine, announced, and every bash call asks.
          isolation: config.tool_runtime === 'local' ? 'none' : 'bubblewrap',
          network: config.sandbox.network,
          // network "allowlist": the proxy allows these on top of the defaults; the Hub forwarder adds
          // the user's token outside the sandbox (HF_ENDPOINT inside points at it).
          allowedDomains: config.sandbox.allowed_domains,
          hub: { ...(hfToken ? { token: hfToken } : {}), write: config.sandbox.hub_write },
          gitWritable: config.sandbox.git_writable,
          env: { passthrough: config.sandbox.env_passthrough },
          // Commands never see the trust decisions (they would learn, or plant, which folders are trusted).
          hiddenPaths: [path.dirname(trustStoreFile(options.env))],
          ...(config.sandbox.memory_limit_mb ? { limits: { memoryMiB: config.sandbox.memory_limit_mb } } : {}),
          // Spill files (a long command's complete output) are redacted like everything else shown.
          redact: (text: string) => redact(text),
          onWarning: warn,
        });
  // bash/read/write/edit go through one switchable sandbox: `sandbox_create` (and tool_runtime
  // "space") move them to a private HF Space, and its deletion moves them back.
  const sandbox = createSwitchableSandbox(baseSandbox);
  const approvals = approvalSetup(options, config);
  const meter = new UsageMeter();
  // sandbox_create (with an HF token): its modules and the hardware prices load beside everything else.
  const settingUpSpaces = setUpSpaceSandboxes({
    config,
    env,
    hfToken,
    switchable: sandbox,
    capUsd: approvals.interactive ? config.budget_usd : approvals.capUsd,
    notify: (message) => warn(message),
  });
  settingUpSpaces.catch(() => {});
  if (config.tool_runtime === 'space') {
    const spaces = await settingUpSpaces;
    if (!spaces) throw spaceRuntimeNeedsToken();
    // The session's Space exists before the session does; Ctrl-C or SIGTERM while it builds deletes it.
    const hardware = config.sandbox.space_hardware;
    checkSpaceHardware(spaces, hardware);
    const controller = new AbortController();
    const abort = () => controller.abort();
    process.once('SIGINT', abort);
    process.once('SIGTERM', abort);
    try {
      await spaces.manager.create(hardware, {
        signal: controller.signal,
        log: warn,
        meter,
        reservation: meter.reserve(spaces.manager.hourlyPrice(hardware) ?? 0),
        ...(config.budget_usd === null ? {} : { budgetUsd: config.budget_usd }),
      });
    } catch (error) {
      await baseSandbox.close?.();
      throw controller.signal.aborted ? new ConfigError('creating the sandbox Space was interrupted; the half-made Space was deleted', { keyPath: 'tool_runtime' }) : error;
    } finally {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    }
  }
  // The sandbox probes (bubblewrap self-test, python, GPUs) run while the tool modules load.
  const describing = sandbox.describe();

  const redact = createRedactor({ secrets: [...secretsFromEnv(env), hfToken] });
  const [model, integrations, builtins, description, spaces] = await Promise.all([
    creatingModel,
    createIntegrations(config, env, { report: (message) => warn(redact(message)), model: options.model?.id ?? config.model_name }),
    createToolFamilies({ config, env, cwd: options.cwd, mode: options.mode, hfToken, sandbox, remoteWorkspace: () => (sandbox.current === baseSandbox ? undefined : sandbox.current) }),
    describing,
    settingUpSpaces,
  ]);
  // Spaces earlier runs on this machine left behind (crashed, killed): deleted, after asking when someone is there.
  if (spaces) await sweepOrphanSandboxes(spaces, { ...(options.confirmOrphanSandboxes ? { confirm: options.confirmOrphanSandboxes } : {}), report: warn });
  const runtimeDescription: RuntimeDescription = {
    runtime: description.runtime,
    network: description.network,
    ...(description.networkMode ? { networkMode: description.networkMode } : {}),
    ...(description.allowedDomains ? { allowedDomains: description.allowedDomains } : {}),
    gpu: description.gpu ?? [],
  };
  const mcp = await connectConfiguredMcp(config, {
    log: (message: string) => warn(redact(message)),
    hfToken,
    reservedNames: [...builtins.map((tool) => tool.name), 'plan_tool', 'notify', 'research', 'sandbox_create'],
    cwd: options.cwd,
    env: options.env,
    interactive: options.mode === 'interactive',
    showSignInUrl: warn,
  });
  const policy = createApprovalPolicy({
    mode: approvals.mode,
    interactive: approvals.interactive,
    rules: config.approval.rules,
    autoApproveUnsandboxed: !approvals.interactive && config.yolo_mode,
    ...(config.budget_usd === null ? {} : { budgetUsd: config.budget_usd }),
    ...(approvals.capUsd === null ? {} : { autoApprovalCapUsd: approvals.capUsd }),
  });

  let session: ReturnType<typeof createSession> | undefined;
  const tools: AnyTool[] = [...builtins, ...(spaces ? [spaces.tool] : []), ...mcp.tools];
  if (integrations.notifyTool) tools.push(integrations.notifyTool);
  tools.push(createResearchTool({ model: () => session?.model ?? model, tools: () => tools, policy, redact }));

  const store = config.save_sessions ? new JsonlSessionStore(defaultSessionDir(env)) : undefined;
  let history: Message[] | undefined;
  let reservations: OpenReservation[] = [];
  let id: string | undefined;
  let forkedFrom: string | undefined;
  let plan: PlanItem[] | undefined;
  let firstSeq: number | undefined;
  if (options.resume) {
    if (!store) throw new ConfigError('cannot resume: save_sessions is off in the config', { keyPath: 'save_sessions' });
    const previous = await store.load(options.resume).catch((error: Error) => {
      throw new ConfigError(error.message, { keyPath: 'resume' });
    });
    for (const warning of previous.warnings) warn(warning);
    history = previous.messages;
    plan = previous.plan;
    if (options.noFork) {
      // Continue the same log in place: only while no other run writes it (the lock is taken now
      // and handed to the session's log writer).
      try {
        store.lock(previous.header.id);
      } catch (error) {
        if (!SessionLockedError.isInstance(error)) throw error;
        throw new ConfigError(`cannot resume with --no-fork: ${(error as Error).message}. Wait for it to finish, or resume without --no-fork to continue in a new session forked from it.`, { keyPath: 'resume' });
      }
      id = previous.header.id;
    } else {
      // Resume forks (SPEC section 8): a new id that names the old one; the old log is left as it is.
      forkedFrom = previous.header.id;
    }
    // Jobs the previous run left running: their reservations count again and are reconciled.
    const previousRecords = readSessionLog(previous.location).records;
    reservations = openReservations(previousRecords);
    // Event numbers go on from the log's last one, so a web client's Last-Event-ID stays valid.
    firstSeq = previousRecords.reduce((next, record) => (record.kind === 'event' ? Math.max(next, record.event.seq + 1) : next), 0);
  }

  let sessionStore: SessionStore | undefined = store;
  if (config.share_traces) {
    if (!store) warn('share_traces is on but save_sessions is off, so no session trace is uploaded.');
    else if (!hfToken) warn('share_traces is on but no Hugging Face token is set (HF_TOKEN), so no session trace is uploaded.');
    else {
      const { withHfSessionUpload } = await import('@ml-intern/tools-hf');
      sessionStore = withHfSessionUpload(store, { token: hfToken, hubUrl: env.HF_ENDPOINT, repo: config.session_dataset_repo ?? undefined, redact, report: warn });
    }
  }

  const checkpoints = config.tool_runtime === 'remote' || config.tool_runtime === 'space' ? undefined : createGitCheckpoints();
  // While a sandbox Space is active, bash/write/edit change the Space's workspace: nothing to
  // snapshot here, and each is listed as a remote effect that a rewind cannot undo.
  const sessionCheckpoints: WorkspaceCheckpoints | undefined = checkpoints && {
    changesWorkspace: (tool, input) => sandbox.current === baseSandbox && checkpoints.changesWorkspace(tool, input),
    snapshot: (location) => checkpoints.snapshot(location),
    restore: (location, checkpoint) => checkpoints.restore(location, checkpoint),
  };
  // AGENTS.md / ML_INTERN.md (user, project root … cwd), read again on every render (`/new`, `/memory`).
  // The user's files come from the real environment, never from the project's `.env`.
  // Tools the front end leaves out once the config is known (`ml-intern serve` for many users: no host commands).
  const excluded = new Set(options.excludeTools?.(config) ?? []);
  if (excluded.size > 0) tools.splice(0, tools.length, ...tools.filter((tool) => !excluded.has(tool.name)));
  const instructions = new ProjectInstructions({ cwd: options.cwd, env: options.env, trusted: projectTrusted });
  session = createSession({
    model,
    tools,
    systemPrompt: (all) => renderSystemPrompt(all, { mode: options.mode, cwd: options.cwd, description: runtimeDescription, instructions: instructions.reload() }),
    id: id ?? randomUUID(),
    cwd: options.cwd,
    maxIterations: config.max_iterations,
    policy,
    ...(config.budget_usd === null ? {} : { budgetUsd: config.budget_usd }),
    ...(config.reasoning_effort ? { reasoningEffort: config.reasoning_effort } : {}),
    compaction: {
      threshold: config.compaction.threshold,
      auto: config.compaction.auto,
      ...(config.compaction.keep_recent_tokens ? { keepRecentTokens: config.compaction.keep_recent_tokens } : {}),
      ...(config.compaction.context_window ? { contextWindow: config.compaction.context_window } : {}),
    },
    interactive: options.mode === 'interactive',
    toolTimeoutMs: config.tool_timeout_s * 1000,
    ...(sessionStore ? { store: sessionStore } : {}),
    ...(history ? { history, resumed: true } : {}),
    ...(forkedFrom ? { forkedFrom } : {}),
    ...(plan && plan.length > 0 ? { plan } : {}),
    ...(firstSeq ? { firstSeq } : {}),
    // Spill files live next to the logs (a resume may need them; `sessions prune` removes both).
    ...(store ? { dataRoot: store.dir } : {}),
    retry: { idleTimeoutMs: config.model_idle_timeout_s * 1000 },
    meter,
    ...(reservations.length > 0 ? { openReservations: reservations } : {}),
    configDigest: loaded.digest,
    runtime: description.runtime,
    configSummary: {
      model: config.model_name,
      approval_mode: policy.mode,
      interactive_approvals: approvals.interactive,
      auto_approval_cap_usd: approvals.mode === 'auto' ? approvals.capUsd : null,
      max_iterations: config.max_iterations,
      budget_usd: config.budget_usd,
      project_trust: projectTrust,
      sandbox: { runtime: description.runtime, network: description.network, network_mode: runtimeDescription.networkMode ?? (description.network ? 'full' : 'off'), gpus: runtimeDescription.gpu },
      mcp_servers: mcp.summary(),
      messaging: integrations.destinations,
    },
    gateways: integrations.gateways,
    redact,
    // Snapshots of a local workspace before each approved change (`/rewind`, `sessions show --diff`).
    ...(sessionCheckpoints ? { checkpoints: sessionCheckpoints } : {}),
    fitImage,
  });
  const active = session;
  // A server's later tool sets (list_changed, a retry that succeeded, a sign-in) reach this session.
  mcp.attach(active, tools);
  if (options.onEvent) active.subscribe(options.onEvent);
  if (spaces) {
    // `/new` ends the conversation a `sandbox_create` Space was made for; a tool_runtime "space" one is the runtime's own.
    let starts = 0;
    active.subscribe((event) => {
      if (event.type !== 'session_started' || (starts += 1) === 1) return;
      if (config.tool_runtime !== 'space') void spaces.manager.teardown('a new session started');
    });
  }

  return {
    session: active,
    config,
    configDigest: loaded.digest,
    model,
    policy,
    store,
    description: runtimeDescription,
    instructions,
    ...(checkpoints ? { checkpoints } : {}),
    async setModel(next: string) {
      const created = await createModel(next, config, env, hfToken);
      active.setModel(created);
      return created.id;
    },
    async close() {
      // A sandbox Space is deleted first (it bills by the hour), while the session can still log its reconciled cost.
      await spaces?.manager.teardown().catch(() => {});
      await active.close();
      // The sandbox host and everything it started end with the session, not with the process.
      await Promise.allSettled([mcp.close(), sandbox.close?.()]);
    },
  };
}
