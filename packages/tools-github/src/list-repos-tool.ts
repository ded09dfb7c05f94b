import { type Tool, defineTool } from '@ml-intern/core';
import { z } from 'zod';
import { type GitHubClient, type GitHubToolsOptions, createGitHubClient, missingTokenResult } from './github-client.js';

const REPOSITORY_FIELDS = `nameWithOwner description url stargazerCount forkCount isArchived isFork
  primaryLanguage { name } updatedAt pushedAt createdAt`;

const OWNER_REPOSITORIES = `query OwnerRepositories($owner: String!, $first: Int!, $field: RepositoryOrderField!, $direction: OrderDirection!, $isFork: Boolean) {
  repositoryOwner(login: $owner) {
    login
    repositories(first: $first, orderBy: { field: $field, direction: $direction }, isFork: $isFork, ownerAffiliations: [OWNER]) {
      totalCount
      nodes { ${REPOSITORY_FIELDS} }
    }
  }
}`;

// GraphQL cannot order an owner's repositories by forks; repository search can.
const SEARCH_REPOSITORIES = `query SearchRepositories($search: String!, $first: Int!) {
  search(query: $search, type: REPOSITORY, first: $first) {
    repositoryCount
    nodes { ... on Repository { ${REPOSITORY_FIELDS} } }
  }
}`;

interface RepositoryNode {
  nameWithOwner: string;
  description: string | null;
  url: string;
  stargazerCount: number;
  forkCount: number;
  isArchived: boolean;
  isFork: boolean;
  primaryLanguage: { name: string } | null;
  updatedAt: string;
  pushedAt: string;
  createdAt: string;
}

const ORDER_FIELDS = { stars: 'STARGAZERS', updated: 'UPDATED_AT', pushed: 'PUSHED_AT', created: 'CREATED_AT', name: 'NAME' } as const;

const inputSchema = z.object({
  owner: z.string().min(1).max(100).describe('GitHub user or organization, e.g. "huggingface".'),
  sort: z.enum(['stars', 'forks', 'updated', 'pushed', 'created', 'name']).optional().describe('Sort key (default "stars").'),
  order: z.enum(['desc', 'asc']).optional().describe('Sort direction (default "desc", "asc" for name).'),
  limit: z.number().int().min(1).max(100).optional().describe('Number of repositories (default 30, at most 100).'),
  include_forks: z.boolean().optional().describe('Include forks of other repositories (default false).'),
});

function renderRepository(repository: RepositoryNode, index: number): string {
  const facts = [
    `★ ${repository.stargazerCount.toLocaleString('en-US')}`,
    `forks ${repository.forkCount.toLocaleString('en-US')}`,
    repository.primaryLanguage?.name,
    `updated ${repository.updatedAt.slice(0, 10)}`,
    repository.isArchived ? 'archived' : undefined,
    repository.isFork ? 'fork' : undefined,
  ].filter(Boolean);
  const description = repository.description ? `\n   ${repository.description.replace(/\s+/g, ' ').slice(0, 200)}` : '';
  return `${index + 1}. ${repository.nameWithOwner} (${facts.join(' · ')})${description}`;
}

async function listRepositories(client: GitHubClient, input: z.output<typeof inputSchema>, signal: AbortSignal) {
  const sort = input.sort ?? 'stars';
  const order = input.order ?? (sort === 'name' ? 'asc' : 'desc');
  const first = input.limit ?? 30;
  const action = `listing the repositories of ${input.owner}`;
  let nodes: RepositoryNode[];
  let total: number;
  if (sort === 'forks') {
    const search = `user:${input.owner} sort:forks-${order}${input.include_forks ? ' fork:true' : ''}`;
    const data = await client.graphql<{ search: { repositoryCount: number; nodes: RepositoryNode[] } }>(SEARCH_REPOSITORIES, { search, first }, signal, action);
    nodes = data.search.nodes.filter((node) => node.nameWithOwner);
    total = data.search.repositoryCount;
    if (total === 0) return { output: `No public repositories found for "${input.owner}" (or no such user or organization).`, isError: true };
  } else {
    const variables = { owner: input.owner, first, field: ORDER_FIELDS[sort], direction: order.toUpperCase(), isFork: input.include_forks ? null : false };
    const data = await client.graphql<{ repositoryOwner: { login: string; repositories: { totalCount: number; nodes: RepositoryNode[] } } | null }>(
      OWNER_REPOSITORIES,
      variables,
      signal,
      action,
    );
    if (!data.repositoryOwner) return { output: `No GitHub user or organization named "${input.owner}".`, isError: true };
    nodes = data.repositoryOwner.repositories.nodes;
    total = data.repositoryOwner.repositories.totalCount;
  }
  if (nodes.length === 0) return { output: `${input.owner} has no ${input.include_forks ? '' : 'non-fork '}repositories visible to this token.` };
  const header = `${input.owner}: ${nodes.length} of ${total} repositories, sorted by ${sort} (${order}):`;
  return { output: [header, ...nodes.map(renderRepository)].join('\n') };
}

/** `github_list_repos`: an owner's repositories sorted by stars, forks, update or creation time, or name. */
export function createGitHubListReposTool(options: GitHubToolsOptions = {}, client: GitHubClient = createGitHubClient(options)): Tool<typeof inputSchema> {
  return defineTool({
    name: 'github_list_repos',
    description:
      'List the repositories of a GitHub user or organization with stars, forks, language, last update and description. ' +
      'Sort by stars (default), forks, updated, pushed, created or name.',
    inputSchema,
    readOnly: true,
    timeoutMs: options.timeoutMs ?? 60_000,
    summarize: (input) => `repositories of ${input.owner}`,
    async execute(input, ctx) {
      if (!client.hasToken) return missingTokenResult('github_list_repos');
      return listRepositories(client, input, ctx.signal);
    },
  });
}
