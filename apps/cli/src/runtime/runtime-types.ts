import type { AgentConfig, ApprovalPolicy, LanguageModel, Session } from '@ml-intern/core';
import type { JsonlSessionStore } from '@ml-intern/context';
import type { GitCheckpoints } from '@ml-intern/sandbox';
import type { AgentEvent, ApprovalDecision, PendingApproval } from '@ml-intern/events';
import type { SpaceLease } from '@ml-intern/sandbox';
import type { ProjectInstructions } from './project-instructions.js';

export type RunMode = 'interactive' | 'oneshot' | 'headless';

/** Options shared by the CLI and the headless runner to build a session. */
export interface RuntimeOptions {
  mode: RunMode;
  cwd: string;
  env: Record<string, string | undefined>;
  /** `--config <file>`. */
  configFile?: string;
  /** Config values from CLI flags (`--model`, `--max-iterations`, `--yolo`, `--budget-usd`). */
  flags?: Record<string, unknown>;
  /** Resume by id, id prefix, `last` or path (as a new session forked from it). */
  resume?: string;
  /**
   * `--no-fork`: continue the resumed session's own log instead of forking it; refused with a
   * clear message while another run holds that session.
   */
  noFork?: boolean;
  /** Where `tool_log`-like notices about the runtime go before the session exists (stderr). */
  warn?: (message: string) => void;
  /** Subscribed before the session emits anything, so `session_started` is seen. */
  onEvent?: (event: AgentEvent) => void;
  /** Replace the model (offline demo, tests). */
  model?: LanguageModel;
  /**
   * `--trust-project`: apply the project's `.ml-intern/config.json` and `.env` in full for this run
   * (nothing is recorded). Without it, only a folder the user trusted for its current files does.
   */
  trustProject?: boolean;
  /**
   * A person who answers approvals in a one-shot run (the offline demo on a terminal). With it,
   * the run asks instead of applying the unattended policy.
   */
  askApprovals?: (pending: PendingApproval[]) => Promise<ApprovalDecision[] | undefined>;
  /**
   * Names of tools to leave out, decided once the config is loaded (`ml-intern serve` for many
   * users turns off bash and the file tools unless commands run in a Space sandbox).
   */
  excludeTools?: (config: AgentConfig) => readonly string[];
  /**
   * Sandbox Spaces an earlier run on this machine left behind: resolve true to delete them. Without
   * it (unattended runs) they are deleted at once, and the deletion is reported.
   */
  confirmOrphanSandboxes?: (orphans: SpaceLease[]) => Promise<boolean>;
}

/** What describes the environment a session runs in, for `session_started`, `/status` and the system prompt. */
export interface RuntimeDescription {
  runtime: string;
  network: boolean;
  /** `off`, `allowlist` (a proxy to listed domains only) or `full`; absent: `network` says all. */
  networkMode?: 'off' | 'allowlist' | 'full';
  /** The allow-list, when `networkMode` is `allowlist`. */
  allowedDomains?: readonly string[];
  gpu: { name: string; memoryMiB: number }[];
}

/** A composed agent: config, model, tools, policy, session log and the session itself. */
export interface Runtime {
  session: Session;
  config: AgentConfig;
  configDigest: string;
  model: LanguageModel;
  policy: ApprovalPolicy;
  store: JsonlSessionStore | undefined;
  description: RuntimeDescription;
  /** The project instructions (AGENTS.md, ML_INTERN.md) in the system prompt; `/status` shows them, `/memory` reloads them. */
  instructions?: ProjectInstructions;
  /** The workspace checkpoints (a local workspace only): `/rewind` previews and restores with them. */
  checkpoints?: GitCheckpoints;
  /** Switch the model for the next turns (`/model`); returns the new model id. */
  setModel(id: string): Promise<string>;
  /** Shut the session down, flush gateways, close MCP servers. */
  close(): Promise<void>;
}
