import { z } from 'zod';

const ruleSchema = z.object({
  tool: z.string().min(1),
  args: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  action: z.enum(['allow', 'ask', 'deny']),
  reason: z.string().optional(),
});

/**
 * The configuration file schema (SPEC section 9). `mcpServers` and `messaging` are validated in
 * depth by their own packages (tools-mcp, gateways); here they only need the right shape.
 */
export const agentConfigSchema = z
  .object({
    model_name: z.string().min(1),
    max_iterations: z.number().int().min(-1),
    mcpServers: z.record(z.string(), z.record(z.string(), z.unknown())),
    messaging: z.record(z.string(), z.unknown()),
    yolo_mode: z.boolean(),
    confirm_cpu_jobs: z.boolean(),
    reasoning_effort: z.enum(['minimal', 'low', 'medium', 'high', 'xhigh', 'max']).nullable(),
    save_sessions: z.boolean(),
    share_traces: z.boolean(),
    session_dataset_repo: z.string().nullable(),
    approval: z.object({
      rules: z.array(ruleSchema),
      /** One-shot and headless runs: `auto` approves billable work within the cap, `strict` denies whatever would ask. */
      unattended: z.enum(['auto', 'strict']).default('auto'),
    }),
    budget_usd: z.number().positive().nullable(),
    compaction: z.object({
      threshold: z.number().gt(0).max(1),
      keep_recent_tokens: z.number().int().positive().nullable(),
      context_window: z.number().int().positive().nullable(),
      auto: z.boolean(),
    }),
    /**
     * Where commands and file tools run: `sandbox` (bubblewrap here), `local` (this machine,
     * unsandboxed), `remote` (a sandbox host at `sandbox.url`), `space` (a private HF Space on
     * `sandbox.space_hardware`, created at start and deleted at the end).
     */
    tool_runtime: z.enum(['local', 'sandbox', 'remote', 'space']),
    sandbox: z.object({
      /**
       * false: no network; "allowlist": only `allowed_domains` (PyPI, the Hub and its CDN, GitHub raw
       * and release hosts, the PyTorch index, plus any listed here) through a proxy the CLI runs,
       * and the Hub through a forwarder that adds the user's token outside the sandbox; true: full
       * network (bash calls ask).
       */
      network: z.union([z.boolean(), z.literal('allowlist')]),
      /** Domains added to the allow-list of `network: "allowlist"` (`*.example.com` for subdomains). */
      allowed_domains: z.array(z.string().regex(/^(\*\.)?[A-Za-z0-9*-]+(\.[A-Za-z0-9*-]+)*\.?$/)).default([]),
      /** `network: "allowlist"`: let commands write to the Hub through the forwarder (default false: GET/HEAD only). */
      hub_write: z.boolean().default(false),
      git_writable: z.boolean(),
      env_passthrough: z.array(z.string()),
      timeout_s: z.number().positive(),
      max_timeout_s: z.number().positive(),
      /** Memory of everything the sandbox runs together, in MiB (a cgroup); null: three quarters of this machine's RAM. */
      memory_limit_mb: z.number().int().positive().nullable().default(null),
      /** `tool_runtime: "remote"`: the sandbox host's base URL (its token comes from ML_INTERN_SANDBOX_TOKEN). */
      url: z.string().url().nullable().default(null),
      /** `tool_runtime: "space"`: the Space's hardware (cpu-basic, t4-small, a10g-small, l4x1, a100-large, …). */
      space_hardware: z.string().default('cpu-basic'),
    }),
    web: z.object({
      /** DuckDuckGo-style HTML results endpoint (used when the DuckDuckGo backend is chosen). */
      search_url: z.string().nullable(),
      allow_private_network: z.boolean(),
      /** web_search engine; null: the first of Brave (BRAVE_API_KEY), Tavily (TAVILY_API_KEY), SearXNG (SEARXNG_URL) that is set, else DuckDuckGo. */
      search_backend: z.enum(['duckduckgo', 'brave', 'tavily', 'searxng']).nullable().default(null),
    }),
    jobs: z
      .object({
        /** Host environment variables an HF job's `secrets` may forward as "$NAME" without a person's approval (e.g. ["WANDB_API_KEY"]). */
        forward_env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')).default([]),
      })
      .default({ forward_env: [] }),
    hub: z
      .object({
        /** Repos the agent creates get the `ml-intern` tag, a provenance README section and a private collection of the session's artifacts. */
        provenance: z.boolean().default(true),
      })
      .default({ provenance: true }),
    tool_timeout_s: z.number().positive(),
    /** Seconds a model call may stay silent (no text, reasoning or tool-call part) before it is given up and retried. */
    model_idle_timeout_s: z.number().positive().default(180),
  })
  .strict();

export type AgentConfig = z.infer<typeof agentConfigSchema>;

/** Deep-partial form accepted in user and project config files. */
export type PartialAgentConfig = { [K in keyof AgentConfig]?: AgentConfig[K] extends Record<string, unknown> ? Partial<AgentConfig[K]> : AgentConfig[K] };
