import path from 'node:path';
import type { AgentConfig, AnyTool } from '@ml-intern/core';
import type { Sandbox } from '@ml-intern/sandbox';
import type { HfPapersToolOptions } from '@ml-intern/tools-hf';
import type { RunMode } from './runtime-types.js';

export interface ToolFamiliesOptions {
  config: AgentConfig;
  env: Record<string, string | undefined>;
  cwd: string;
  mode: RunMode;
  hfToken: string | undefined;
  sandbox: Sandbox;
  /** The sandbox Space commands run in now, when they do not run on this machine's workspace. */
  remoteWorkspace?: () => Sandbox | undefined;
}

/** A text file of a remote workspace (a sandbox Space), by a path inside it; undefined when there is none. */
async function readRemoteWorkspaceFile(remote: Sandbox, file: string): Promise<string | undefined> {
  const target = path.posix.resolve(remote.workspace, file);
  if (target !== remote.workspace && !target.startsWith(`${remote.workspace}/`)) return undefined;
  const stat = await remote.stat(target).catch(() => undefined);
  if (stat?.type !== 'file') return undefined;
  return Buffer.from(await remote.readFile(target)).toString('utf8');
}

/**
 * The built-in tool families, wired from config and the standard environment variables
 * (HF_ENDPOINT, GITHUB_API_URL, ML_INTERN_WEB_SEARCH_URL…). Tools never read the environment.
 */
export async function createToolFamilies(options: ToolFamiliesOptions): Promise<AnyTool[]> {
  const { config, env, hfToken } = options;
  const [{ createRedactor, secretsFromEnv }, { sandboxTools }, { hfTools }, { githubTools }, { webTools }] = await Promise.all([
    import('@ml-intern/context'),
    import('@ml-intern/sandbox'),
    import('@ml-intern/tools-hf'),
    import('@ml-intern/tools-github'),
    import('@ml-intern/tools-web'),
  ]);
  const hubUrl = env.HF_ENDPOINT || undefined;
  return [
    ...sandboxTools({
      sandbox: options.sandbox,
      gitWritable: config.sandbox.git_writable,
      defaultTimeoutSeconds: config.sandbox.timeout_s,
      maxTimeoutSeconds: config.sandbox.max_timeout_s,
    }),
    ...hfTools({
      ...(hubUrl ? { hubUrl } : {}),
      ...(hfToken ? { token: hfToken } : {}),
      ...(env.HF_DATASETS_SERVER_URL ? { datasetsServerUrl: env.HF_DATASETS_SERVER_URL } : {}),
      confirmCpuJobs: config.confirm_cpu_jobs,
      // hf_jobs secrets "$NAME": forwarded from this environment; names outside jobs.forward_env need a person's approval.
      forwardEnv: config.jobs.forward_env,
      hostEnv: env,
      // hf_jobs script "train.py" while commands run in a sandbox Space: the file the model wrote there.
      readWorkspaceFile: async (file: string) => {
        const remote = options.remoteWorkspace?.();
        return remote ? readRemoteWorkspaceFile(remote, file) : undefined;
      },
      // Folder uploads: the approval lists the workspace files; uploads carrying a secret are refused.
      workspaceDir: options.cwd,
      // Repos the agent creates: ml-intern tag, provenance README section, private session collection (config hub.provenance).
      provenance: config.hub.provenance,
      redact: createRedactor({ secrets: [...secretsFromEnv(env), ...(hfToken ? [hfToken] : [])] }),
      // hf_papers: Semantic Scholar (S2_API_KEY optional, S2_API_URL) and the ar5iv fallback (AR5IV_URL); hfTools hands its options to hf_papers.
      ...({
        ...(env.S2_API_KEY ? { semanticScholarApiKey: env.S2_API_KEY } : {}),
        ...(env.S2_API_URL ? { semanticScholarUrl: env.S2_API_URL } : {}),
        ...(env.AR5IV_URL ? { ar5ivUrl: env.AR5IV_URL } : {}),
      } satisfies HfPapersToolOptions),
    }),
    ...githubTools({
      ...(env.GITHUB_TOKEN ? { token: env.GITHUB_TOKEN } : {}),
      ...(env.GITHUB_API_URL ? { apiUrl: env.GITHUB_API_URL } : {}),
    }),
    ...webTools({
      webSearch: {
        ...(config.web.search_url ? { searchUrl: config.web.search_url } : {}),
        // web.search_backend, else the first of Brave, Tavily, SearXNG whose variable is set, else DuckDuckGo.
        searchBackend: config.web.search_backend ?? null,
        braveApiKey: env.BRAVE_API_KEY,
        braveUrl: env.BRAVE_SEARCH_URL,
        tavilyApiKey: env.TAVILY_API_KEY,
        tavilyUrl: env.TAVILY_API_URL,
        searxngUrl: env.SEARXNG_URL,
      },
      webFetch: { ...(config.web.allow_private_network ? { allowPrivateNetwork: true } : {}) },
    }),
  ];
}
