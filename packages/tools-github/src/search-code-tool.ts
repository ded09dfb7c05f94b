import { type Tool, defineTool } from '@ml-intern/core';
import { z } from 'zod';
import { type GitHubClient, type GitHubToolsOptions, createGitHubClient, missingTokenResult } from './github-client.js';

interface CodeSearchItem {
  name: string;
  path: string;
  html_url: string;
  repository: { full_name: string };
  text_matches?: { fragment?: string; property?: string }[];
}

interface CodeSearchResponse {
  total_count: number;
  incomplete_results: boolean;
  items: CodeSearchItem[];
}

const MAX_FRAGMENT_CHARS = 400;

const qualifier = (description: string) => z.string().min(1).max(200).optional().describe(description);

const inputSchema = z.object({
  query: z.string().min(1).max(256).describe('Words to find in code, in GitHub code search syntax (qualifiers such as repo:, org:, language:, path:, extension: are allowed inline).'),
  repo: qualifier('Only this repository, "owner/name".'),
  owner: qualifier('Only repositories of this user or organization.'),
  language: qualifier('Only this language, e.g. "python".'),
  path: qualifier('Only files under this path, e.g. "examples".'),
  extension: qualifier('Only files with this extension, e.g. "py" or "ipynb".'),
  limit: z.number().int().min(1).max(50).optional().describe('Number of results (default 10, at most 50).'),
});

type Input = z.output<typeof inputSchema>;

function quoteIfNeeded(value: string): string {
  return /\s/.test(value) ? `"${value.replace(/"/g, '')}"` : value;
}

/** The `q` parameter: the query plus one qualifier per structured option. */
export function composeCodeQuery(input: Omit<Input, 'limit'>): string {
  const parts = [input.query.trim()];
  if (input.repo) parts.push(`repo:${input.repo.trim()}`);
  if (input.owner) parts.push(`user:${input.owner.trim()}`);
  if (input.language) parts.push(`language:${quoteIfNeeded(input.language.trim())}`);
  if (input.path) parts.push(`path:${quoteIfNeeded(input.path.trim())}`);
  if (input.extension) parts.push(`extension:${input.extension.trim().replace(/^\./, '')}`);
  return parts.join(' ');
}

function renderFragment(fragment: string): string {
  const trimmed = fragment.trim();
  const cut = trimmed.length > MAX_FRAGMENT_CHARS ? `${trimmed.slice(0, MAX_FRAGMENT_CHARS)} …` : trimmed;
  return cut
    .split('\n')
    .map((line) => `   │ ${line}`)
    .join('\n');
}

async function searchCode(client: GitHubClient, input: Input, signal: AbortSignal) {
  const q = composeCodeQuery(input);
  const { data } = await client.rest<CodeSearchResponse>(
    'GET /search/code',
    { q, per_page: input.limit ?? 10, headers: { accept: 'application/vnd.github.text-match+json' } },
    signal,
    'searching code',
  );
  if (data.items.length === 0) {
    return { output: `No code found for \`${q}\`. Use fewer words, drop a qualifier, or check the repo/owner spelling.` };
  }
  const lines = [`${data.items.length} of ${data.total_count.toLocaleString('en-US')} code results for \`${q}\`${data.incomplete_results ? ' (GitHub returned incomplete results)' : ''}:`];
  data.items.forEach((item, index) => {
    lines.push('', `${index + 1}. ${item.repository.full_name}: ${item.path}`, `   ${item.html_url}`);
    for (const match of (item.text_matches ?? []).filter((entry) => entry.property !== 'path' && entry.fragment).slice(0, 2)) {
      lines.push(renderFragment(match.fragment!));
    }
  });
  lines.push('', 'Read a whole file with github_read_file (repo "owner/name", path).');
  return { output: lines.join('\n') };
}

/** `github_search_code`: GitHub code search (REST; needs a token) with matching fragments. */
export function createGitHubSearchCodeTool(options: GitHubToolsOptions = {}, client: GitHubClient = createGitHubClient(options)): Tool<typeof inputSchema> {
  return defineTool({
    name: 'github_search_code',
    description:
      'Search code across GitHub and return matching files with a code fragment each. Narrow with repo, owner, language, path or extension ' +
      '(e.g. query "GRPOTrainer", owner "huggingface", language "python"). GitHub allows about 10 code searches per minute.',
    inputSchema,
    readOnly: true,
    timeoutMs: options.timeoutMs ?? 60_000,
    summarize: (input) => `search code for "${input.query}"`,
    async execute(input, ctx) {
      if (!client.hasToken) return missingTokenResult('github_search_code');
      return searchCode(client, input, ctx.signal);
    },
  });
}
