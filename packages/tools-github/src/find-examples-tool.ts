import { type Tool, defineTool } from '@ml-intern/core';
import { z } from 'zod';
import { pathMatchScore, similarityRatio, tokenize } from './fuzzy-match.js';
import { type GitHubClient, type GitHubToolsOptions, createGitHubClient, missingTokenResult } from './github-client.js';
import { parseRepositoryName } from './repository-name.js';
import { describeMissingRepository, findSimilarRepositories } from './similar-repositories.js';

const REPOSITORY_INFO = `query RepositoryInfo($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    nameWithOwner
    url
    defaultBranchRef { name }
  }
}`;

interface RepositoryInfo {
  repository: { nameWithOwner: string; url: string; defaultBranchRef: { name: string } | null } | null;
}

interface TreeEntry {
  path: string;
  type: 'blob' | 'tree' | 'commit';
  size?: number;
}

/** Directory words that mark example code (`examples/`, `example_scripts/`, `notebooks/`, …). */
const EXAMPLE_WORDS = new Set([
  'example', 'examples', 'script', 'scripts', 'notebook', 'notebooks', 'tutorial', 'tutorials', 'cookbook', 'cookbooks',
  'recipe', 'recipes', 'demo', 'demos', 'sample', 'samples', 'quickstart', 'guide', 'guides', 'colab', 'colabs', 'usecases', 'projects',
]);
const EXAMPLE_EXTENSIONS = new Set(['py', 'ipynb', 'sh', 'md', 'yaml', 'yml', 'js', 'ts', 'mjs', 'rs', 'go', 'jl', 'r', 'toml']);
const SKIPPED_DIRECTORIES = new Set(['node_modules', '__pycache__', '.git', '.github', 'test', 'tests', 'vendor', 'third_party']);
const SKIPPED_FILES = new Set(['__init__.py', 'conftest.py']);

function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
}

function isCandidate(entry: TreeEntry): boolean {
  if (entry.type !== 'blob' || !EXAMPLE_EXTENSIONS.has(extensionOf(entry.path))) return false;
  const segments = entry.path.split('/');
  if (SKIPPED_FILES.has(segments[segments.length - 1]!)) return false;
  return !segments.slice(0, -1).some((segment) => SKIPPED_DIRECTORIES.has(segment.toLowerCase()));
}

function isExample(path: string): boolean {
  if (extensionOf(path) === 'ipynb') return true;
  const directories = path.split('/').slice(0, -1);
  return directories.some((directory) => tokenize(directory.replace(/_cases$/i, 'cases')).some((word) => EXAMPLE_WORDS.has(word)));
}

function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} B`;
}

const inputSchema = z.object({
  repo: z.string().min(1).describe('Repository: "name" under `org`, or "owner/name" (e.g. "trl" or "huggingface/trl").'),
  keyword: z.string().max(100).optional().describe('What the examples should be about, matched fuzzily against file paths (e.g. "sft", "lora", "grpo"). Omit to list all examples.'),
  org: z.string().min(1).max(100).optional().describe('Owner used when `repo` has no owner (default "huggingface").'),
  max_results: z.number().int().min(1).max(100).optional().describe('Maximum files to list (default 20).'),
  min_score: z.number().int().min(0).max(100).optional().describe('Minimum keyword match score 0–100 (default 60).'),
});

interface Ranked {
  entry: TreeEntry;
  score: number | undefined;
}

function rank(entries: TreeEntry[], keyword: string | undefined, minScore: number): Ranked[] {
  const depth = (path: string) => path.split('/').length;
  if (!keyword?.trim()) {
    return entries
      .map((entry) => ({ entry, score: undefined }))
      .sort((left, right) => depth(left.entry.path) - depth(right.entry.path) || left.entry.path.localeCompare(right.entry.path));
  }
  // Among equal scores, a file named like the keyword (sft.py for "sft") beats one merely mentioning it.
  const wanted = tokenize(keyword).join(' ');
  const nameScore = (path: string) => similarityRatio(wanted, tokenize(path.slice(path.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '')).join(' '));
  return entries
    .map((entry) => ({ entry, score: pathMatchScore(keyword, entry.path), nameScore: nameScore(entry.path) }))
    .filter((ranked) => ranked.score >= minScore)
    .sort(
      (left, right) =>
        right.score - left.score ||
        right.nameScore - left.nameScore ||
        depth(left.entry.path) - depth(right.entry.path) ||
        left.entry.path.localeCompare(right.entry.path),
    );
}

async function findExamples(client: GitHubClient, input: z.output<typeof inputSchema>, signal: AbortSignal) {
  const wanted = parseRepositoryName(input.repo, input.org ?? 'huggingface');
  const info = await client.graphql<RepositoryInfo>(REPOSITORY_INFO, { ...wanted }, signal, `looking up ${wanted.owner}/${wanted.name}`);
  if (!info.repository) {
    return { output: describeMissingRepository(wanted, await findSimilarRepositories(client, wanted, signal)), isError: true };
  }
  const repository = info.repository;
  const branch = repository.defaultBranchRef?.name;
  if (!branch) return { output: `${repository.nameWithOwner} is empty (no default branch).`, isError: true };
  const { data: tree } = await client.rest<{ tree: TreeEntry[]; truncated: boolean }>(
    'GET /repos/{owner}/{repo}/git/trees/{tree_sha}',
    { owner: wanted.owner, repo: wanted.name, tree_sha: branch, recursive: '1' },
    signal,
    `listing the files of ${repository.nameWithOwner}`,
  );
  const candidates = tree.tree.filter(isCandidate);
  const examples = candidates.filter((entry) => isExample(entry.path));
  const minScore = input.min_score ?? 60;
  const limit = input.max_results ?? 20;
  let ranked = rank(examples, input.keyword, minScore);
  let scope = `example files (${examples.length} in total)`;
  if (ranked.length === 0 && input.keyword?.trim()) {
    ranked = rank(candidates, input.keyword, minScore);
    scope = `files anywhere in the repository (no example file matched; ${candidates.length} scripts and docs searched)`;
  }
  const keywordText = input.keyword?.trim() ? ` matching "${input.keyword.trim()}"` : '';
  const lines: string[] = [];
  if (ranked.length === 0) {
    lines.push(`No ${keywordText ? `files${keywordText}` : 'example files'} in ${repository.nameWithOwner} (branch ${branch}).`);
    lines.push(examples.length > 0 ? 'Try another keyword, a lower min_score, or omit the keyword to list every example.' : 'The repository has no examples/, scripts/ or notebooks directories.');
  } else {
    lines.push(`${repository.nameWithOwner} (branch ${branch}): ${Math.min(limit, ranked.length)} of ${ranked.length} ${scope}${keywordText}:`);
    for (const { entry, score } of ranked.slice(0, limit)) {
      const details = [score === undefined ? undefined : `score ${score}`, formatSize(entry.size) || undefined].filter(Boolean).join(', ');
      lines.push(`- ${entry.path}${details ? ` (${details})` : ''} ${repository.url}/blob/${branch}/${entry.path.split('/').map(encodeURIComponent).join('/')}`);
    }
    lines.push('', `Read one with github_read_file (repo "${repository.nameWithOwner}", path as listed).`);
  }
  if (tree.truncated) lines.push('Note: the repository is very large and GitHub returned only part of its file tree.');
  return { output: lines.join('\n') };
}

/**
 * `github_find_examples`: example scripts and notebooks in a repository (default owner
 * huggingface), ranked by a fuzzy match of the keyword against their paths. Suggests similar
 * repositories when the repository does not exist.
 */
export function createGitHubFindExamplesTool(options: GitHubToolsOptions = {}, client: GitHubClient = createGitHubClient(options)): Tool<typeof inputSchema> {
  return defineTool({
    name: 'github_find_examples',
    description:
      'Find example scripts and notebooks in a GitHub repository (examples/, scripts/, notebooks/, tutorials/, recipes/ …), ranked by how well their path matches a keyword. ' +
      'Use it before writing training code to start from a maintained example (e.g. repo "trl", keyword "grpo"). Owner defaults to huggingface.',
    inputSchema,
    readOnly: true,
    timeoutMs: options.timeoutMs ?? 60_000,
    summarize: (input) => `examples in ${input.repo}${input.keyword ? ` for "${input.keyword}"` : ''}`,
    async execute(input, ctx) {
      if (!client.hasToken) return missingTokenResult('github_find_examples');
      return findExamples(client, input, ctx.signal);
    },
  });
}
