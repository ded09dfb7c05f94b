import { describe, expect, it } from 'vitest';
import { findNestedField, parseTopLevelFields } from './graphql-query-fields.js';

describe('parseTopLevelFields', () => {
  it('finds top-level fields with aliases, variables, literals and input objects', () => {
    const query = `# comment { not a brace that counts }
      query Owner($owner: String!, $first: Int = 10) {
        org: repositoryOwner(login: $owner) {
          login
          repositories(first: $first, orderBy: { field: STARGAZERS, direction: DESC }, isFork: false) { nodes { name } }
        }
        search(query: "lora in:name", type: REPOSITORY, first: 5) { nodes { ... on Repository { nameWithOwner } } }
        rateLimit { remaining }
      }`;
    const fields = parseTopLevelFields(query, { owner: 'huggingface', first: 3 });
    expect(fields.map((field) => [field.key, field.name])).toEqual([
      ['org', 'repositoryOwner'],
      ['search', 'search'],
      ['rateLimit', 'rateLimit'],
    ]);
    expect(fields[0]!.arguments).toEqual({ login: 'huggingface' });
    expect(fields[1]!.arguments).toEqual({ query: 'lora in:name', type: 'REPOSITORY', first: 5 });
    expect(findNestedField(fields[0]!.selection, 'repositories', { first: 3 })?.arguments).toEqual({
      first: 3,
      orderBy: { field: 'STARGAZERS', direction: 'DESC' },
      isFork: false,
    });
  });

  it('finds fields inside inline fragments', () => {
    const [repository] = parseTopLevelFields('{ repository(owner: "a", name: "b") { ... on Repository { object(expression: "HEAD:x.py") { ... on Blob { text } } } } }');
    expect(findNestedField(repository!.selection, 'object', {})?.arguments).toEqual({ expression: 'HEAD:x.py' });
  });
});
