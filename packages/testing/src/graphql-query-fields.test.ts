import { describe, expect, it } from 'vitest';
import { type FakeGitHubRepository, startFakeGitHub } from './fake-github.js';

const repositories: FakeGitHubRepository[] = [
  { owner: 'huggingface', name: 'trl', description: 'RL for transformers', stars: 10, files: { 'README.md': '# TRL', 'examples/sft.py': 'print(1)' } },
  { owner: 'huggingface', name: 'peft', stars: 5, files: { 'README.md': '# PEFT' } },
];

async function post(url: string, query: string, variables: Record<string, unknown> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { authorization: 'bearer ghp_test', 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('fake GitHub GraphQL validation', () => {
  it('rejects a misspelt field as GitHub does: 200, no data, undefinedField with its path', async () => {
    await using github = await startFakeGitHub({ repositories });
    const query = `query RepositoryInfo($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) {
    nameWithOwnr
    defaultBranchRef { name }
  }
}`;
    const { status, body } = await post(github.url, query, { owner: 'huggingface', name: 'trl' });
    expect(status).toBe(200);
    expect(body).toEqual({
      errors: [
        {
          path: ['query RepositoryInfo', 'repository', 'nameWithOwnr'],
          extensions: { code: 'undefinedField', typeName: 'Repository', fieldName: 'nameWithOwnr' },
          locations: [{ line: 3, column: 5 }],
          message: "Field 'nameWithOwnr' doesn't exist on type 'Repository'",
        },
      ],
    });
  });

  it('checks fields inside inline fragments and nested connections', async () => {
    await using github = await startFakeGitHub({ repositories });
    const { body } = await post(github.url, '{ search(query: "trl", type: REPOSITORY, first: 5) { nodes { ... on Repository { stars } } } }');
    expect(body.errors).toEqual([expect.objectContaining({ path: ['query', 'search', 'nodes', '... on Repository', 'stars'], message: "Field 'stars' doesn't exist on type 'Repository'" })]);
    expect(body).not.toHaveProperty('data');
  });

  it('rejects unknown and missing arguments, unused variables and mistyped variables', async () => {
    await using github = await startFakeGitHub({ repositories });
    const unknownArgument = await post(github.url, '{ repository(owner: "huggingface", name: "trl", branch: "main") { name } }');
    expect(unknownArgument.body.errors).toEqual([expect.objectContaining({ message: "Field 'repository' doesn't accept argument 'branch'", extensions: { code: 'argumentNotAccepted' } })]);
    const missing = await post(github.url, '{ repository(owner: "huggingface") { name } }');
    expect(missing.body.errors).toEqual([expect.objectContaining({ message: "Field 'repository' is missing required arguments: name" })]);
    const unused = await post(github.url, 'query Q($extra: Int) { viewer { login } }', { extra: 1 });
    expect(unused.body.errors).toEqual([expect.objectContaining({ message: 'Variable $extra is declared by Q but not used' })]);
    const mistyped = await post(github.url, 'query Q($first: String!) { search(query: "x", type: REPOSITORY, first: $first) { repositoryCount } }', { first: '3' });
    expect(mistyped.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'variableMismatch' } })]);
    const scalarWithoutSelection = await post(github.url, '{ repository(owner: "huggingface", name: "trl") }');
    expect(scalarWithoutSelection.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'selectionMismatch' } })]);
  });

  it('answers a syntax error and a missing query with GitHub messages', async () => {
    await using github = await startFakeGitHub({ repositories });
    const broken = await post(github.url, '{ viewer { login }');
    expect(broken.body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Parse error on .* at \[1, 19\]$/) })]);
    const response = await fetch(`${github.url}/graphql`, { method: 'POST', headers: { authorization: 'bearer x', 'content-type': 'application/json' }, body: '{}' });
    expect(await response.json()).toEqual({ errors: [{ message: 'A query attribute must be specified and must be a string.' }] });
  });

  it('executes a valid query: aliases, variables, fragments, NOT_FOUND with partial data', async () => {
    await using github = await startFakeGitHub({ repositories });
    const query = `query Owner($owner: String!, $first: Int!) {
  org: repositoryOwner(login: $owner) {
    login
    repositories(first: $first, orderBy: { field: STARGAZERS, direction: DESC }, isFork: false, ownerAffiliations: [OWNER]) {
      totalCount
      nodes { nameWithOwner stargazerCount }
    }
  }
  file: repository(owner: $owner, name: "trl") {
    object(expression: "HEAD:examples/sft.py") { __typename ... on Blob { text byteSize } }
  }
  missing: repository(owner: $owner, name: "nope") { name }
}`;
    const { body } = await post(github.url, query, { owner: 'huggingface', first: 1 });
    expect(body.data).toEqual({
      org: { login: 'huggingface', repositories: { totalCount: 2, nodes: [{ nameWithOwner: 'huggingface/trl', stargazerCount: 10 }] } },
      file: { object: { __typename: 'Blob', text: 'print(1)', byteSize: 8 } },
      missing: null,
    });
    expect(body.errors).toEqual([
      { type: 'NOT_FOUND', path: ['missing'], locations: [{ line: 12, column: 3 }], message: "Could not resolve to a Repository with the name 'huggingface/nope'." },
    ]);
  });
});
