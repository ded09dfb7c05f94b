import { type GraphQLSchema, buildSchema } from 'graphql';

/**
 * The part of GitHub's GraphQL schema (https://docs.github.com/graphql) the fake answers: the
 * types, fields and arguments as GitHub declares them, so a query the real API would reject
 * (a misspelt field, a missing argument, a wrong variable type) is rejected here too.
 */
export const FAKE_GITHUB_SDL = /* GraphQL */ `
scalar URI
scalar DateTime
scalar GitObjectID
scalar HTML

enum SearchType { REPOSITORY ISSUE USER DISCUSSION }
enum OrderDirection { ASC DESC }
enum RepositoryOrderField { CREATED_AT UPDATED_AT PUSHED_AT NAME STARGAZERS }
enum RepositoryPrivacy { PUBLIC PRIVATE }
enum RepositoryAffiliation { OWNER COLLABORATOR ORGANIZATION_MEMBER }

input RepositoryOrder {
  field: RepositoryOrderField!
  direction: OrderDirection!
}

type Query {
  repository(owner: String!, name: String!, followRenames: Boolean = true): Repository
  repositoryOwner(login: String!): RepositoryOwner
  search(query: String!, type: SearchType!, first: Int, after: String, last: Int, before: String): SearchResultItemConnection!
  rateLimit(dryRun: Boolean = false): RateLimit
  viewer: User!
}

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

type RateLimit {
  limit: Int!
  remaining: Int!
  used: Int!
  cost: Int!
  nodeCount: Int!
  resetAt: DateTime!
}

interface RepositoryOwner {
  id: ID!
  login: String!
  url: URI!
  avatarUrl(size: Int): URI!
  repository(name: String!, followRenames: Boolean = true): Repository
  repositories(
    first: Int
    after: String
    last: Int
    before: String
    orderBy: RepositoryOrder
    privacy: RepositoryPrivacy
    isFork: Boolean
    ownerAffiliations: [RepositoryAffiliation] = [OWNER, COLLABORATOR]
  ): RepositoryConnection!
}

type User implements RepositoryOwner {
  id: ID!
  login: String!
  name: String
  url: URI!
  avatarUrl(size: Int): URI!
  repository(name: String!, followRenames: Boolean = true): Repository
  repositories(
    first: Int
    after: String
    last: Int
    before: String
    orderBy: RepositoryOrder
    privacy: RepositoryPrivacy
    isFork: Boolean
    ownerAffiliations: [RepositoryAffiliation] = [OWNER, COLLABORATOR]
  ): RepositoryConnection!
}

type Organization implements RepositoryOwner {
  id: ID!
  login: String!
  name: String
  description: String
  url: URI!
  avatarUrl(size: Int): URI!
  repository(name: String!, followRenames: Boolean = true): Repository
  repositories(
    first: Int
    after: String
    last: Int
    before: String
    orderBy: RepositoryOrder
    privacy: RepositoryPrivacy
    isFork: Boolean
    ownerAffiliations: [RepositoryAffiliation] = [OWNER, COLLABORATOR]
  ): RepositoryConnection!
}

type Language {
  id: ID!
  name: String!
  color: String
}

type Topic {
  id: ID!
  name: String!
}

type RepositoryTopic {
  id: ID!
  topic: Topic!
  url: URI!
}

type RepositoryTopicConnection {
  nodes: [RepositoryTopic]
  totalCount: Int!
  pageInfo: PageInfo!
}

type Ref {
  id: ID!
  name: String!
  prefix: String!
}

type Repository {
  id: ID!
  name: String!
  nameWithOwner: String!
  owner: RepositoryOwner!
  url: URI!
  homepageUrl: URI
  description: String
  descriptionHTML: HTML!
  stargazerCount: Int!
  forkCount: Int!
  isFork: Boolean!
  isArchived: Boolean!
  isPrivate: Boolean!
  isTemplate: Boolean!
  isEmpty: Boolean!
  primaryLanguage: Language
  repositoryTopics(first: Int, after: String, last: Int, before: String): RepositoryTopicConnection!
  createdAt: DateTime!
  updatedAt: DateTime!
  pushedAt: DateTime
  defaultBranchRef: Ref
  object(expression: String, oid: GitObjectID): GitObject
}

type RepositoryEdge {
  cursor: String!
  node: Repository
}

type RepositoryConnection {
  edges: [RepositoryEdge]
  nodes: [Repository]
  pageInfo: PageInfo!
  totalCount: Int!
  totalDiskUsage: Int!
}

union SearchResultItem = Repository | User | Organization

type SearchResultItemEdge {
  cursor: String!
  node: SearchResultItem
}

type SearchResultItemConnection {
  codeCount: Int!
  discussionCount: Int!
  issueCount: Int!
  repositoryCount: Int!
  userCount: Int!
  wikiCount: Int!
  edges: [SearchResultItemEdge]
  nodes: [SearchResultItem]
  pageInfo: PageInfo!
}

interface GitObject {
  id: ID!
  oid: GitObjectID!
  abbreviatedOid: String!
  commitUrl: URI!
}

type Blob implements GitObject {
  id: ID!
  oid: GitObjectID!
  abbreviatedOid: String!
  commitUrl: URI!
  byteSize: Int!
  isBinary: Boolean
  isTruncated: Boolean!
  text: String
}

type TreeEntry {
  name: String!
  path: String
  type: String!
  mode: Int!
  oid: GitObjectID!
  size: Int!
  extension: String
  isGenerated: Boolean!
}

type Tree implements GitObject {
  id: ID!
  oid: GitObjectID!
  abbreviatedOid: String!
  commitUrl: URI!
  entries: [TreeEntry!]
}

type Commit implements GitObject {
  id: ID!
  oid: GitObjectID!
  abbreviatedOid: String!
  commitUrl: URI!
  message: String!
}
`;

let schema: GraphQLSchema | undefined;

/** The schema built from {@link FAKE_GITHUB_SDL} (once). */
export function fakeGitHubSchema(): GraphQLSchema {
  schema ??= buildSchema(FAKE_GITHUB_SDL);
  return schema;
}
