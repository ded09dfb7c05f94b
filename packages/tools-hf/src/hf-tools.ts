import type { AnyTool } from '@ml-intern/core';
import { createFindHfApiTool } from './api/find-hf-api-tool.js';
import { createHfInspectDatasetTool } from './datasets/hf-inspect-dataset-tool.js';
import { createExploreHfDocsTool } from './docs/explore-hf-docs-tool.js';
import { createFetchHfDocsTool } from './docs/fetch-hf-docs-tool.js';
import { resolveHfConfig } from './hf-config.js';
import { createHfJobsTool, type HfJobsToolOptions } from './jobs/hf-jobs-tool.js';
import { createHfPapersTool, type HfPapersToolOptions } from './papers/hf-papers-tool.js';
import { createHfRepoFilesTool, type HfRepoFilesToolOptions } from './repos/hf-repo-files-tool.js';
import { createHfRepoGitTool } from './repos/hf-repo-git-tool.js';
import { createSessionArtifacts } from './repos/provenance.js';
import { createHfHubSearchTool } from './search/hf-hub-search-tool.js';

/** Names of the tools in the bundle, in order. */
export const HF_TOOL_NAMES = [
  'explore_hf_docs',
  'fetch_hf_docs',
  'find_hf_api',
  'hf_papers',
  'hf_hub_search',
  'hf_inspect_dataset',
  'hf_repo_files',
  'hf_repo_git',
  'hf_jobs',
] as const;

export type HfToolName = (typeof HF_TOOL_NAMES)[number];

/** Options of {@link hfTools}: the shared Hub options plus the `hf_jobs` and `hf_repo_files` ones. */
export interface HfToolsBundleOptions extends HfJobsToolOptions, HfRepoFilesToolOptions, HfPapersToolOptions {
  /** Only these tools (default all). */
  include?: readonly HfToolName[];
}

/**
 * All Hugging Face tools configured once: `hfTools({ token, hubUrl, fetch, datasetsServerUrl, … })`.
 * Options are validated up front (a bad URL throws `ConfigError`); nothing touches the network
 * until a tool runs.
 */
export function hfTools(options: HfToolsBundleOptions = {}): AnyTool[] {
  resolveHfConfig(options);
  // One record of what the session created, so uploads to a repo hf_repo_git created get provenance too.
  const shared = { ...options, sessionArtifacts: options.sessionArtifacts ?? createSessionArtifacts() };
  const factories: Record<HfToolName, () => AnyTool> = {
    explore_hf_docs: () => createExploreHfDocsTool(options),
    fetch_hf_docs: () => createFetchHfDocsTool(options),
    find_hf_api: () => createFindHfApiTool(options),
    hf_papers: () => createHfPapersTool(options),
    hf_hub_search: () => createHfHubSearchTool(options),
    hf_inspect_dataset: () => createHfInspectDatasetTool(options),
    hf_repo_files: () => createHfRepoFilesTool(shared),
    hf_repo_git: () => createHfRepoGitTool(shared),
    hf_jobs: () => createHfJobsTool(options),
  };
  const wanted = new Set(options.include ?? HF_TOOL_NAMES);
  return HF_TOOL_NAMES.filter((name) => wanted.has(name)).map((name) => factories[name]());
}
