import {
  type StoredRepository,
  directoryEntries,
  fullName,
  resolvesRef,
  searchRepositories,
} from './fake-github-repositories.js';
import { type GraphqlField, findNestedField, parseTopLevelFields } from './graphql-query-fields.js';

export interface GraphqlContext {
  repositories: readonly StoredRepository[];
  /** Whether the request carried a valid token (private repositories are visible only then). */
  authenticated: boolean;
  htmlUrl: string;
  blobTextLimit: number;
  resetAt: number;
}

export interface GraphqlAnswer {
  data: Record<string, unknown> | null;
  errors: Record<string, unknown>[];
}

type Node = Record<string, unknown>;

function findRepository(context: GraphqlContext, owner: unknown, name: unknown): StoredRepository | undefined {
  const wanted = `${String(owner)}/${String(name)}`.toLowerCase();
  return context.repositories.find((repository) => fullName(repository).toLowerCase() === wanted && (!repository.isPrivate || context.authenticated));
}

function objectNode(repository: StoredRepository, expression: string, context: GraphqlContext): Node | null {
  const separator = expression.indexOf(':');
  const ref = separator === -1 ? expression : expression.slice(0, separator);
  const path = separator === -1 ? '' : expression.slice(separator + 1).replace(/^\/+|\/+$/g, '');
  if (!resolvesRef(repository, ref)) return null;
  const file = repository.files.get(path);
  if (file) {
    const isTruncated = !file.isBinary && file.bytes.length > context.blobTextLimit;
    return {
      __typename: 'Blob',
      oid: file.sha,
      abbreviatedOid: file.sha.slice(0, 7),
      byteSize: file.bytes.length,
      isBinary: file.isBinary,
      isTruncated,
      text: file.isBinary ? null : file.bytes.subarray(0, context.blobTextLimit).toString('utf8'),
    };
  }
  if (!repository.directories.has(path)) return null;
  return {
    __typename: 'Tree',
    entries: directoryEntries(repository, path).map((entry) => ({ ...entry, mode: entry.type === 'tree' ? 16384 : 33188 })),
  };
}

function repositoryNode(repository: StoredRepository, selection: string, context: GraphqlContext, variables: Record<string, unknown>): Node {
  const node: Node = {
    __typename: 'Repository',
    id: Buffer.from(`Repository:${fullName(repository)}`).toString('base64'),
    name: repository.name,
    nameWithOwner: fullName(repository),
    owner: { login: repository.owner },
    url: `${context.htmlUrl}/${fullName(repository)}`,
    description: repository.description ?? null,
    stargazerCount: repository.stars,
    forkCount: repository.forks,
    isFork: repository.isFork,
    isArchived: repository.isArchived,
    isPrivate: repository.isPrivate,
    primaryLanguage: repository.language ? { name: repository.language } : null,
    repositoryTopics: { nodes: repository.topics.map((name) => ({ topic: { name } })) },
    createdAt: repository.createdAt,
    updatedAt: repository.updatedAt,
    pushedAt: repository.pushedAt,
    defaultBranchRef: repository.files.size > 0 ? { name: repository.defaultBranch } : null,
  };
  const object = selection ? findNestedField(selection, 'object', variables) : undefined;
  if (object) node[object.key] = objectNode(repository, String(object.arguments.expression ?? ''), context);
  return node;
}

const ORDER_FIELDS: Record<string, (repository: StoredRepository) => string | number> = {
  STARGAZERS: (repository) => repository.stars,
  CREATED_AT: (repository) => repository.createdAt,
  UPDATED_AT: (repository) => repository.updatedAt,
  PUSHED_AT: (repository) => repository.pushedAt,
  NAME: (repository) => repository.name.toLowerCase(),
};

function connection(nodes: Node[], first: number, after: unknown, countKey: string): Node {
  const start = typeof after === 'string' && /^\d+$/.test(after) ? Number(after) : 0;
  const page = nodes.slice(start, start + first);
  const end = start + page.length;
  return { [countKey]: nodes.length, nodes: page, edges: page.map((node) => ({ node })), pageInfo: { hasNextPage: end < nodes.length, endCursor: page.length ? String(end) : null } };
}

function repositoryOwnerNode(field: GraphqlField, context: GraphqlContext, variables: Record<string, unknown>): Node | null {
  const login = String(field.arguments.login ?? '').toLowerCase();
  const owned = context.repositories.filter((repository) => repository.owner.toLowerCase() === login && (!repository.isPrivate || context.authenticated));
  if (owned.length === 0) return null;
  const repositoriesField = findNestedField(field.selection, 'repositories', variables);
  const args = repositoriesField?.arguments ?? {};
  const orderBy = (args.orderBy ?? {}) as { field?: string; direction?: string };
  const key = ORDER_FIELDS[orderBy.field ?? 'CREATED_AT'] ?? ORDER_FIELDS.CREATED_AT!;
  const sign = orderBy.direction === 'DESC' ? -1 : 1;
  const selected = owned
    .filter((repository) => typeof args.isFork !== 'boolean' || repository.isFork === args.isFork)
    .filter((repository) => args.privacy !== 'PUBLIC' || !repository.isPrivate)
    .sort((left, right) => {
      const [a, b] = [key(left), key(right)];
      return sign * (a < b ? -1 : a > b ? 1 : 0);
    });
  const nodes = selected.map((repository) => repositoryNode(repository, '', context, variables));
  const node: Node = { __typename: 'Organization', login: owned[0]!.owner, url: `${context.htmlUrl}/${owned[0]!.owner}` };
  if (repositoriesField) node[repositoriesField.key] = connection(nodes, Number(args.first ?? 30), args.after, 'totalCount');
  return node;
}

/** Answer a GraphQL request from the fixtures, resolving the top-level fields the tools use. */
export function answerGraphql(query: string, variables: Record<string, unknown>, context: GraphqlContext): GraphqlAnswer {
  const data: Record<string, unknown> = {};
  const errors: Record<string, unknown>[] = [];
  for (const field of parseTopLevelFields(query, variables)) {
    switch (field.name) {
      case 'repository': {
        const repository = findRepository(context, field.arguments.owner, field.arguments.name);
        data[field.key] = repository ? repositoryNode(repository, field.selection, context, variables) : null;
        if (!repository) {
          errors.push({
            type: 'NOT_FOUND',
            path: [field.key],
            locations: [{ line: 1, column: 1 }],
            message: `Could not resolve to a Repository with the name '${String(field.arguments.owner)}/${String(field.arguments.name)}'.`,
          });
        }
        break;
      }
      case 'repositoryOwner':
        data[field.key] = repositoryOwnerNode(field, context, variables);
        break;
      case 'search': {
        if (field.arguments.type !== 'REPOSITORY') {
          errors.push({ message: `The fake GitHub only searches repositories (got type ${String(field.arguments.type)}).`, path: [field.key] });
          data[field.key] = null;
          break;
        }
        const visible = context.repositories.filter((repository) => !repository.isPrivate || context.authenticated);
        const nodes = searchRepositories(visible, String(field.arguments.query ?? '')).map((repository) => repositoryNode(repository, '', context, variables));
        data[field.key] = connection(nodes, Number(field.arguments.first ?? 10), field.arguments.after, 'repositoryCount');
        break;
      }
      case 'rateLimit':
        data[field.key] = { limit: 5000, remaining: 4999, used: 1, cost: 1, resetAt: new Date(context.resetAt * 1000).toISOString() };
        break;
      case 'viewer':
        data[field.key] = { login: 'fake-user' };
        break;
      case '__typename':
        data[field.key] = 'Query';
        break;
      default:
        errors.push({ message: `Field '${field.name}' doesn't exist on type 'Query'`, extensions: { code: 'undefinedField', typeName: 'Query', fieldName: field.name } });
    }
  }
  return { data: Object.keys(data).length === 0 && errors.length > 0 ? null : data, errors };
}

