import { createHash } from 'node:crypto';

/** A repository the fake GitHub serves. Text files are strings, binary files `Uint8Array`s. */
export interface FakeGitHubRepository {
  owner: string;
  name: string;
  description?: string;
  stars?: number;
  forks?: number;
  /** Primary language, e.g. "Python". */
  language?: string;
  topics?: string[];
  defaultBranch?: string;
  /** Other refs that resolve to the same files (branch names, tags, SHAs). */
  refs?: string[];
  isFork?: boolean;
  isArchived?: boolean;
  isPrivate?: boolean;
  createdAt?: string;
  updatedAt?: string;
  pushedAt?: string;
  files?: Record<string, string | Uint8Array>;
}

export interface StoredFile {
  path: string;
  bytes: Buffer;
  isBinary: boolean;
  sha: string;
}

export interface StoredRepository extends Required<Omit<FakeGitHubRepository, 'files' | 'language' | 'description'>> {
  language: string | undefined;
  description: string | undefined;
  files: Map<string, StoredFile>;
  /** Directory paths ('' is the root). */
  directories: Set<string>;
}

const LANGUAGES: Record<string, string> = {
  py: 'Python',
  ipynb: 'Jupyter Notebook',
  md: 'Markdown',
  js: 'JavaScript',
  ts: 'TypeScript',
  sh: 'Shell',
  yaml: 'YAML',
  yml: 'YAML',
  json: 'JSON',
  rs: 'Rust',
  go: 'Go',
};

/** GitHub's language name for a file path, by extension. */
export function languageOfPath(path: string): string | undefined {
  const extension = path.includes('.') ? path.slice(path.lastIndexOf('.') + 1).toLowerCase() : '';
  return LANGUAGES[extension];
}

export function gitSha(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export function storeRepository(repository: FakeGitHubRepository, index: number): StoredRepository {
  const files = new Map<string, StoredFile>();
  const directories = new Set<string>(['']);
  for (const [path, content] of Object.entries(repository.files ?? {})) {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    files.set(path, { path, bytes, isBinary: typeof content !== 'string', sha: gitSha(bytes) });
    const parts = path.split('/');
    for (let depth = 1; depth < parts.length; depth++) directories.add(parts.slice(0, depth).join('/'));
  }
  const day = String((index % 28) + 1).padStart(2, '0');
  return {
    owner: repository.owner,
    name: repository.name,
    description: repository.description,
    stars: repository.stars ?? 0,
    forks: repository.forks ?? 0,
    language: repository.language,
    topics: repository.topics ?? [],
    defaultBranch: repository.defaultBranch ?? 'main',
    refs: repository.refs ?? [],
    isFork: repository.isFork ?? false,
    isArchived: repository.isArchived ?? false,
    isPrivate: repository.isPrivate ?? false,
    createdAt: repository.createdAt ?? `2024-01-${day}T00:00:00Z`,
    updatedAt: repository.updatedAt ?? `2026-01-${day}T00:00:00Z`,
    pushedAt: repository.pushedAt ?? repository.updatedAt ?? `2026-01-${day}T00:00:00Z`,
    files,
    directories,
  };
}

export function fullName(repository: StoredRepository): string {
  return `${repository.owner}/${repository.name}`;
}

/** True when `ref` names the single version of the files the fake holds. */
export function resolvesRef(repository: StoredRepository, ref: string): boolean {
  return ref === 'HEAD' || ref === repository.defaultBranch || repository.refs.includes(ref);
}

/** Direct children of a directory, directories first, as `{ name, path, type }`. */
export function directoryEntries(repository: StoredRepository, directory: string): { name: string; path: string; type: 'blob' | 'tree' }[] {
  const prefix = directory === '' ? '' : `${directory}/`;
  const entries: { name: string; path: string; type: 'blob' | 'tree' }[] = [];
  for (const path of repository.directories) {
    if (path !== '' && path.startsWith(prefix) && !path.slice(prefix.length).includes('/')) entries.push({ name: path.slice(prefix.length), path, type: 'tree' });
  }
  for (const path of repository.files.keys()) {
    if (path.startsWith(prefix) && !path.slice(prefix.length).includes('/')) entries.push({ name: path.slice(prefix.length), path, type: 'blob' });
  }
  return entries.sort((left, right) => (left.type === right.type ? left.name.localeCompare(right.name) : left.type === 'tree' ? -1 : 1));
}

/** Parsed GitHub search syntax: free terms plus `qualifier:value` pairs (repeatable). */
export interface SearchQuery {
  terms: string[];
  qualifiers: Map<string, string[]>;
}

export function parseSearchQuery(query: string): SearchQuery {
  const terms: string[] = [];
  const qualifiers = new Map<string, string[]>();
  for (const match of query.matchAll(/(-?)([a-z_]+):("[^"]*"|\S+)|"([^"]*)"|(\S+)/gi)) {
    if (match[2] && match[3] !== undefined) {
      const key = `${match[1] ?? ''}${match[2].toLowerCase()}`;
      const value = match[3].replace(/^"|"$/g, '');
      qualifiers.set(key, [...(qualifiers.get(key) ?? []), value]);
    } else {
      const term = match[4] ?? match[5];
      if (term && term.toUpperCase() !== 'AND') terms.push(term);
    }
  }
  return { terms, qualifiers };
}

/** GitHub repository search over the fixtures: `in:name`, `user:`/`org:`, `fork:`, `sort:` supported. */
export function searchRepositories(repositories: readonly StoredRepository[], query: string): StoredRepository[] {
  const { terms, qualifiers } = parseSearchQuery(query);
  const owners = [...(qualifiers.get('user') ?? []), ...(qualifiers.get('org') ?? [])].map((owner) => owner.toLowerCase());
  const inName = (qualifiers.get('in') ?? []).includes('name');
  const includeForks = (qualifiers.get('fork') ?? []).some((value) => value === 'true' || value === 'only');
  let matches = repositories.filter((repository) => {
    if (repository.isPrivate) return false;
    if (owners.length > 0 && !owners.includes(repository.owner.toLowerCase())) return false;
    if (repository.isFork && !includeForks) return false;
    const haystack = (inName ? repository.name : `${repository.name} ${repository.description ?? ''} ${repository.topics.join(' ')}`).toLowerCase();
    return terms.every((term) => haystack.includes(term.toLowerCase()));
  });
  const [sort = 'best-match'] = qualifiers.get('sort') ?? [];
  const [field, direction = 'desc'] = sort.split('-');
  const sign = direction === 'asc' ? 1 : -1;
  if (field === 'forks') matches = matches.sort((left, right) => sign * (left.forks - right.forks));
  else if (field === 'updated') matches = matches.sort((left, right) => sign * left.updatedAt.localeCompare(right.updatedAt));
  else matches = matches.sort((left, right) => sign * (left.stars - right.stars));
  return matches;
}
