import { type Tool, ToolExecutionError, defineTool } from '@ml-intern/core';
import { z } from 'zod';
import { similarityRatio } from './fuzzy-match.js';
import { type GitHubClient, type GitHubToolsOptions, createGitHubClient, missingTokenResult } from './github-client.js';
import { notebookToMarkdown } from './notebook-to-markdown.js';
import { type RepositoryName, parseRepositoryName } from './repository-name.js';
import { describeMissingRepository, findSimilarRepositories } from './similar-repositories.js';
import { selectLines } from './select-lines.js';

const FILE_CONTENT = `query FileContent($owner: String!, $name: String!, $expression: String!) {
  repository(owner: $owner, name: $name) {
    nameWithOwner
    object(expression: $expression) {
      __typename
      ... on Blob { byteSize isBinary isTruncated text }
      ... on Tree { entries { name type path } }
    }
  }
}`;

type GitObject =
  | { __typename: 'Blob'; byteSize: number; isBinary: boolean | null; isTruncated: boolean; text: string | null }
  | { __typename: 'Tree'; entries: { name: string; type: string; path: string }[] }
  | { __typename: 'Commit' | 'Tag' };

interface FileContentData {
  repository: { nameWithOwner: string; object: GitObject | null } | null;
}

export const DEFAULT_LINE_WINDOW = 300;

const inputSchema = z.object({
  repo: z.string().min(1).describe('Repository as "owner/name", e.g. "huggingface/trl".'),
  path: z.string().min(1).describe('File path inside the repository, e.g. "examples/scripts/sft.py".'),
  ref: z.string().min(1).max(255).optional().describe('Branch, tag or commit SHA (default: the default branch).'),
  line_start: z.number().int().min(1).optional().describe('First line to return, 1-based (default 1).'),
  line_end: z.number().int().min(1).optional().describe(`Last line to return, inclusive (default line_start + ${DEFAULT_LINE_WINDOW - 1}).`),
});

type Input = z.output<typeof inputSchema>;

async function fetchObject(client: GitHubClient, repository: RepositoryName, ref: string, path: string, signal: AbortSignal) {
  const data = await client.graphql<FileContentData>(FILE_CONTENT, { ...repository, expression: `${ref}:${path}` }, signal, `reading ${path}`);
  return data.repository;
}

/** The largest files GraphQL truncates; the REST contents API serves them whole (up to 100 MB). */
async function fetchRawText(client: GitHubClient, repository: RepositoryName, path: string, ref: string | undefined, signal: AbortSignal): Promise<string> {
  // Segments are encoded here so the slashes stay slashes (a `{path}` template would send %2F).
  const encodedPath = path.split('/').map(encodeURIComponent).join('/');
  const { data } = await client.rest<unknown>(
    `GET /repos/{owner}/{repo}/contents/${encodedPath}`,
    { owner: repository.owner, repo: repository.name, ...(ref ? { ref } : {}), headers: { accept: 'application/vnd.github.raw' } },
    signal,
    `downloading ${path}`,
  );
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  throw new ToolExecutionError(`GitHub returned an unexpected answer for the contents of ${path}.`);
}

async function describeMissingPath(client: GitHubClient, repository: RepositoryName, nameWithOwner: string, ref: string, path: string, signal: AbortSignal): Promise<string> {
  const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  const lines = [`No file ${path} at ${ref === 'HEAD' ? 'the default branch' : ref} of ${nameWithOwner}.`];
  const listing = await fetchObject(client, repository, ref, parent, signal).catch(() => null);
  const object = listing?.object;
  if (object?.__typename === 'Tree' && object.entries.length > 0) {
    const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
    const closest = [...object.entries].sort((left, right) => similarityRatio(base, right.name.toLowerCase()) - similarityRatio(base, left.name.toLowerCase())).slice(0, 10);
    lines.push(`Closest entries in ${parent || 'the repository root'}: ${closest.map((entry) => `${entry.path}${entry.type === 'tree' ? '/' : ''}`).join(', ')}`);
  } else if (parent) {
    lines.push(`The directory ${parent} does not exist either; use github_find_examples to list the repository's files.`);
  } else if (ref !== 'HEAD') {
    lines.push(`Check that the ref "${ref}" exists.`);
  }
  return lines.join('\n');
}

function renderDirectory(nameWithOwner: string, path: string, entries: { name: string; type: string; path: string }[]): string {
  const listed = entries.map((entry) => `- ${entry.path}${entry.type === 'tree' ? '/' : ''}`);
  return [`${nameWithOwner}/${path} is a directory with ${entries.length} entries:`, ...listed].join('\n');
}

async function readFile(client: GitHubClient, input: Input, signal: AbortSignal) {
  const repository = parseRepositoryName(input.repo);
  const path = input.path.trim().replace(/^\/+|\/+$/g, '');
  const ref = input.ref ?? 'HEAD';
  const found = await fetchObject(client, repository, ref, path, signal);
  if (!found) return { output: describeMissingRepository(repository, await findSimilarRepositories(client, repository, signal)), isError: true };
  const object = found.object;
  if (!object) return { output: await describeMissingPath(client, repository, found.nameWithOwner, ref, path, signal), isError: true };
  if (object.__typename === 'Tree') return { output: renderDirectory(found.nameWithOwner, path, object.entries) };
  if (object.__typename !== 'Blob') return { output: `${path} is a ${object.__typename.toLowerCase()} (a submodule?), not a file.`, isError: true };
  if (object.isBinary) return { output: `${path} is a binary file (${object.byteSize.toLocaleString('en-US')} bytes); github_read_file only shows text.`, isError: true };
  let text = object.text ?? '';
  if (object.isTruncated || object.text === null) text = await fetchRawText(client, repository, path, input.ref, signal);
  let kind = '';
  if (path.toLowerCase().endsWith('.ipynb')) {
    try {
      const notebook = notebookToMarkdown(text);
      text = notebook.markdown;
      kind = `, notebook with ${notebook.cellCount} cells rendered as markdown`;
    } catch {
      kind = ', notebook that is not valid JSON, shown raw';
    }
  }
  const selection = selectLines(text, input.line_start ?? 1, input.line_end);
  const where = `${found.nameWithOwner}/${path}${input.ref ? ` @ ${input.ref}` : ''}`;
  const header = `${where} (${object.byteSize.toLocaleString('en-US')} bytes${kind}) — lines ${selection.first}–${selection.last} of ${selection.total}:`;
  const footer = selection.last < selection.total
    ? `\n\n[Lines ${selection.last + 1}–${selection.total} not shown. Call github_read_file with line_start=${selection.last + 1} to continue.]`
    : '';
  return { output: `${header}\n${selection.text}${footer}` };
}

/**
 * `github_read_file`: read a file from a GitHub repository by line range (300 lines by default),
 * notebooks rendered as markdown, large files fetched whole through the REST contents API.
 */
export function createGitHubReadFileTool(options: GitHubToolsOptions = {}, client: GitHubClient = createGitHubClient(options)): Tool<typeof inputSchema> {
  return defineTool({
    name: 'github_read_file',
    description:
      `Read a file from a GitHub repository. Returns ${DEFAULT_LINE_WINDOW} lines from line_start by default; use line_start/line_end for other ranges. ` +
      'Jupyter notebooks (.ipynb) are rendered as markdown (code cells fenced, text outputs included). A directory path lists its entries.',
    inputSchema,
    readOnly: true,
    timeoutMs: options.timeoutMs ?? 60_000,
    summarize: (input) => `read ${input.repo}/${input.path}${input.line_start ? ` from line ${input.line_start}` : ''}`,
    async execute(input, ctx) {
      if (!client.hasToken) return missingTokenResult('github_read_file');
      if (input.line_end !== undefined && input.line_start !== undefined && input.line_end < input.line_start) {
        throw new ToolExecutionError(`line_end (${input.line_end}) is before line_start (${input.line_start}).`);
      }
      return readFile(client, input, ctx.signal);
    },
  });
}
