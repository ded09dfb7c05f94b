import { type DocumentNode, FieldsOnCorrectTypeRule, type GraphQLError, execute, parse, specifiedRules, validate } from 'graphql';
import { fakeGitHubSchema } from './fake-github-schema.js';
import { type StoredRepository, directoryEntries, fullName, resolvesRef, searchRepositories } from './fake-github-repositories.js';
import { githubParseError, githubUndefinedFieldErrors, githubValidationError } from './graphql-query-fields.js';

export interface GraphqlContext {
  repositories: readonly StoredRepository[];
  /** Whether the request carried a valid token (private repositories are visible only then). */
  authenticated: boolean;
  htmlUrl: string;
  blobTextLimit: number;
  resetAt: number;
}

/** GitHub's answer: `data` is absent when the query was rejected before it ran. */
export interface GraphqlAnswer {
  data?: Record<string, unknown> | null;
  errors: Record<string, unknown>[];
}

type Node = Record<string, unknown>;

/** A resolver failure GitHub reports with a top-level `type` (NOT_FOUND, FORBIDDEN, …). */
class TypedGraphqlError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function visible(context: GraphqlContext): StoredRepository[] {
  return context.repositories.filter((repository) => !repository.isPrivate || context.authenticated);
}

function findRepository(context: GraphqlContext, owner: string, name: string): StoredRepository | undefined {
  const wanted = `${owner}/${name}`.toLowerCase();
  return visible(context).find((repository) => fullName(repository).toLowerCase() === wanted);
}

function objectNode(repository: StoredRepository, expression: string, context: GraphqlContext): Node | null {
  const separator = expression.indexOf(':');
  const ref = separator === -1 ? expression : expression.slice(0, separator);
  const path = separator === -1 ? '' : expression.slice(separator + 1).replace(/^\/+|\/+$/g, '');
  if (!resolvesRef(repository, ref)) return null;
  const commitUrl = `${context.htmlUrl}/${fullName(repository)}/commit/${'1'.repeat(40)}`;
  const file = repository.files.get(path);
  if (file) {
    const isTruncated = !file.isBinary && file.bytes.length > context.blobTextLimit;
    return {
      __typename: 'Blob',
      id: Buffer.from(`Blob:${file.sha}`).toString('base64'),
      oid: file.sha,
      abbreviatedOid: file.sha.slice(0, 7),
      commitUrl,
      byteSize: file.bytes.length,
      isBinary: file.isBinary,
      isTruncated,
      text: file.isBinary ? null : file.bytes.subarray(0, context.blobTextLimit).toString('utf8'),
    };
  }
  if (!repository.directories.has(path)) return null;
  const oid = '0'.repeat(40);
  return {
    __typename: 'Tree',
    id: Buffer.from(`Tree:${fullName(repository)}:${path}`).toString('base64'),
    oid,
    abbreviatedOid: oid.slice(0, 7),
    commitUrl,
    entries: directoryEntries(repository, path).map((entry) => {
      const stored = repository.files.get(entry.path);
      const extension = entry.type === 'blob' && entry.name.includes('.') ? entry.name.slice(entry.name.lastIndexOf('.')) : null;
      return { ...entry, mode: entry.type === 'tree' ? 16384 : 33188, oid: stored?.sha ?? oid, size: stored?.bytes.length ?? 0, extension, isGenerated: false };
    }),
  };
}

const ORDER_FIELDS: Record<string, (repository: StoredRepository) => string | number> = {
  STARGAZERS: (repository) => repository.stars,
  CREATED_AT: (repository) => repository.createdAt,
  UPDATED_AT: (repository) => repository.updatedAt,
  PUSHED_AT: (repository) => repository.pushedAt,
  NAME: (repository) => repository.name.toLowerCase(),
};

interface PageArguments {
  first?: number | null;
  after?: string | null;
}

function connection(nodes: Node[], page: PageArguments, defaultFirst: number, counts: Record<string, number>): Node {
  const start = typeof page.after === 'string' && /^\d+$/.test(page.after) ? Number(page.after) : 0;
  const selected = nodes.slice(start, start + (page.first ?? defaultFirst));
  const end = start + selected.length;
  return {
    ...counts,
    nodes: selected,
    edges: selected.map((node, index) => ({ cursor: String(start + index + 1), node })),
    pageInfo: { hasNextPage: end < nodes.length, hasPreviousPage: start > 0, startCursor: selected.length ? String(start + 1) : null, endCursor: selected.length ? String(end) : null },
  };
}

interface RepositoriesArguments extends PageArguments {
  orderBy?: { field: string; direction: string } | null;
  isFork?: boolean | null;
  privacy?: string | null;
}

function ownerNode(login: string, context: GraphqlContext): Node {
  const owned = () => visible(context).filter((repository) => repository.owner.toLowerCase() === login.toLowerCase());
  return {
    __typename: 'Organization',
    id: Buffer.from(`Organization:${login}`).toString('base64'),
    login,
    name: login,
    description: null,
    url: `${context.htmlUrl}/${login}`,
    avatarUrl: () => `${context.htmlUrl}/${login}.png`,
    repository: ({ name }: { name: string }) => {
      const repository = findRepository(context, login, name);
      return repository ? repositoryNode(repository, context) : null;
    },
    repositories: (args: RepositoriesArguments) => {
      const key = ORDER_FIELDS[args.orderBy?.field ?? 'CREATED_AT'] ?? ORDER_FIELDS.CREATED_AT!;
      const sign = args.orderBy?.direction === 'DESC' ? -1 : 1;
      const selected = owned()
        .filter((repository) => typeof args.isFork !== 'boolean' || repository.isFork === args.isFork)
        .filter((repository) => args.privacy !== 'PUBLIC' || !repository.isPrivate)
        .filter((repository) => args.privacy !== 'PRIVATE' || repository.isPrivate)
        .sort((left, right) => {
          const [a, b] = [key(left), key(right)];
          return sign * (a < b ? -1 : a > b ? 1 : 0);
        });
      return connection(
        selected.map((repository) => repositoryNode(repository, context)),
        args,
        30,
        { totalCount: selected.length, totalDiskUsage: selected.length * 100 },
      );
    },
  };
}

function repositoryNode(repository: StoredRepository, context: GraphqlContext): Node {
  const name = fullName(repository);
  return {
    __typename: 'Repository',
    id: Buffer.from(`Repository:${name}`).toString('base64'),
    name: repository.name,
    nameWithOwner: name,
    owner: () => ownerNode(repository.owner, context),
    url: `${context.htmlUrl}/${name}`,
    homepageUrl: null,
    description: repository.description ?? null,
    descriptionHTML: `<div>${repository.description ?? ''}</div>`,
    stargazerCount: repository.stars,
    forkCount: repository.forks,
    isFork: repository.isFork,
    isArchived: repository.isArchived,
    isPrivate: repository.isPrivate,
    isTemplate: false,
    isEmpty: repository.files.size === 0,
    primaryLanguage: repository.language ? { id: repository.language, name: repository.language, color: null } : null,
    repositoryTopics: (args: PageArguments) =>
      connection(
        repository.topics.map((topic) => ({ id: topic, url: `${context.htmlUrl}/topics/${topic}`, topic: { id: topic, name: topic } })),
        args,
        100,
        { totalCount: repository.topics.length },
      ),
    createdAt: repository.createdAt,
    updatedAt: repository.updatedAt,
    pushedAt: repository.pushedAt,
    defaultBranchRef: repository.files.size > 0 ? { id: repository.defaultBranch, name: repository.defaultBranch, prefix: 'refs/heads/' } : null,
    object: ({ expression }: { expression?: string | null }) => (expression ? objectNode(repository, expression, context) : null),
  };
}

function rootValue(context: GraphqlContext): Node {
  return {
    repository: ({ owner, name }: { owner: string; name: string }) => {
      const repository = findRepository(context, owner, name);
      if (!repository) throw new TypedGraphqlError('NOT_FOUND', `Could not resolve to a Repository with the name '${owner}/${name}'.`);
      return repositoryNode(repository, context);
    },
    repositoryOwner: ({ login }: { login: string }) => {
      const owned = visible(context).find((repository) => repository.owner.toLowerCase() === login.toLowerCase());
      return owned ? ownerNode(owned.owner, context) : null;
    },
    search: (args: PageArguments & { query: string; type: string }) => {
      const found = args.type === 'REPOSITORY' ? searchRepositories(visible(context), args.query) : [];
      const counts = { repositoryCount: found.length, codeCount: 0, discussionCount: 0, issueCount: 0, userCount: 0, wikiCount: 0 };
      return connection(
        found.map((repository) => repositoryNode(repository, context)),
        args,
        10,
        counts,
      );
    },
    rateLimit: () => ({ limit: 5000, remaining: 4999, used: 1, cost: 1, nodeCount: 1, resetAt: new Date(context.resetAt * 1000).toISOString() }),
    viewer: () => ({ __typename: 'User', id: 'VXNlcjox', login: 'fake-user', name: null, url: `${context.htmlUrl}/fake-user` }),
  };
}

const VALIDATION_RULES = specifiedRules.filter((rule) => rule !== FieldsOnCorrectTypeRule);

function executionError(error: GraphQLError): Record<string, unknown> {
  const locations = error.locations ? { locations: error.locations.map(({ line, column }) => ({ line, column })) } : {};
  const path = error.path ? { path: [...error.path] } : {};
  if (error.originalError instanceof TypedGraphqlError) return { type: error.originalError.type, ...path, ...locations, message: error.message };
  return { ...path, ...locations, message: error.message };
}

/**
 * Answer a GraphQL request the way GitHub does: the document is parsed and validated against
 * {@link fakeGitHubSchema} (a misspelt field answers `Field 'x' doesn't exist on type 'Y'` with no
 * `data`, as GitHub does), then executed over the fixtures.
 */
export function answerGraphql(query: string, variables: Record<string, unknown>, context: GraphqlContext): GraphqlAnswer {
  const schema = fakeGitHubSchema();
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return { errors: [githubParseError(error as GraphQLError)] };
  }
  const undefinedFields = githubUndefinedFieldErrors(schema, document);
  const invalid = [...undefinedFields, ...validate(schema, document, VALIDATION_RULES).map(githubValidationError)];
  if (invalid.length > 0) return { errors: invalid };
  const result = execute({ schema, document, rootValue: rootValue(context), variableValues: variables });
  if (result instanceof Promise) throw new Error('the fake GitHub schema resolves synchronously');
  const errors = (result.errors ?? []).map(executionError);
  return { ...(result.data === undefined ? {} : { data: result.data as Record<string, unknown> | null }), errors };
}
