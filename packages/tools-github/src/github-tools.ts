import type { AnyTool } from '@ml-intern/core';
import { createGitHubFindExamplesTool } from './find-examples-tool.js';
import { type GitHubToolsOptions, createGitHubClient } from './github-client.js';
import { createGitHubListReposTool } from './list-repos-tool.js';
import { createGitHubReadFileTool } from './read-file-tool.js';
import { createGitHubSearchCodeTool } from './search-code-tool.js';

/**
 * The four GitHub tools, sharing one client: `github_find_examples`, `github_list_repos`,
 * `github_read_file`, `github_search_code`. All read-only. Without a token they are still listed
 * and answer with how to configure one.
 */
export function githubTools(options: GitHubToolsOptions = {}): AnyTool[] {
  const client = createGitHubClient(options);
  return [
    createGitHubFindExamplesTool(options, client),
    createGitHubListReposTool(options, client),
    createGitHubReadFileTool(options, client),
    createGitHubSearchCodeTool(options, client),
  ];
}
