import { isAbortError } from '@ml-intern/core';
import { partialRatio, similarityRatio } from './fuzzy-match.js';
import type { GitHubClient } from './github-client.js';
import type { RepositoryName } from './repository-name.js';

interface RepositorySummary {
  nameWithOwner: string;
  name: string;
  description: string | null;
  stargazerCount: number;
}

const SIMILAR_REPOSITORIES = `query SimilarRepositories($owner: String!, $search: String!) {
  repositoryOwner(login: $owner) {
    repositories(first: 100, orderBy: { field: STARGAZERS, direction: DESC }) {
      nodes { nameWithOwner name description stargazerCount }
    }
  }
  search(query: $search, type: REPOSITORY, first: 10) {
    nodes { ... on Repository { nameWithOwner name description stargazerCount } }
  }
}`;

interface SimilarRepositoriesData {
  repositoryOwner: { repositories: { nodes: RepositorySummary[] } } | null;
  search: { nodes: (RepositorySummary | Record<string, never>)[] } | null;
}

const MIN_NAME_SIMILARITY = 50;

/**
 * Repositories whose name resembles a missing one: the owner's repositories ranked by name
 * similarity (catches typos), plus GitHub's repository search by name (catches a wrong owner).
 */
export async function findSimilarRepositories(client: GitHubClient, wanted: RepositoryName, signal: AbortSignal, limit = 5): Promise<RepositorySummary[]> {
  let data: SimilarRepositoriesData;
  try {
    data = await client.graphql<SimilarRepositoriesData>(SIMILAR_REPOSITORIES, { owner: wanted.owner, search: `${wanted.name} in:name` }, signal, 'looking for similar repositories');
  } catch (error) {
    if (isAbortError(error)) throw error;
    return [];
  }
  const target = wanted.name.toLowerCase();
  const scored = new Map<string, { repository: RepositorySummary; score: number }>();
  const consider = (repository: RepositorySummary, minimum: number) => {
    if (!repository.nameWithOwner || scored.has(repository.nameWithOwner)) return;
    const name = repository.name.toLowerCase();
    const score = Math.max(similarityRatio(target, name), name.length >= target.length ? partialRatio(target, name) - 10 : 0);
    if (score >= minimum) scored.set(repository.nameWithOwner, { repository, score });
  };
  for (const repository of data.repositoryOwner?.repositories.nodes ?? []) consider(repository, MIN_NAME_SIMILARITY);
  for (const repository of data.search?.nodes ?? []) if ('nameWithOwner' in repository) consider(repository as RepositorySummary, 0);
  return [...scored.values()]
    .sort((left, right) => right.score - left.score || right.repository.stargazerCount - left.repository.stargazerCount)
    .slice(0, limit)
    .map((entry) => entry.repository);
}

/** The model-facing message for a repository that does not exist (or is not visible to the token). */
export function describeMissingRepository(wanted: RepositoryName, similar: readonly RepositorySummary[]): string {
  const lines = [`Repository ${wanted.owner}/${wanted.name} was not found (or the token cannot see it).`];
  if (similar.length === 0) {
    lines.push('No similar repositories found. Check the owner and name, or list an owner’s repositories with github_list_repos.');
  } else {
    lines.push('Similar repositories:');
    for (const repository of similar) {
      const description = repository.description ? ` — ${repository.description.slice(0, 120)}` : '';
      lines.push(`- ${repository.nameWithOwner} (★ ${repository.stargazerCount.toLocaleString('en-US')})${description}`);
    }
  }
  return lines.join('\n');
}
