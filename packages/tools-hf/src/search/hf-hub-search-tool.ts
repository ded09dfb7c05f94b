import { defineTool, ToolExecutionError, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { resolveHfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall, type HubCall } from '../hub-call.js';
import { loadHub } from '../hub-library.js';
import { formatDetails, formatHit, pageUrl, type RepoDetails, type SearchHit, type SearchKind } from './hub-search-format.js';
import { settle } from '../settle.js';

const SORTS = { downloads: 'downloads', likes: 'likes', trending: 'trendingScore', lastModified: 'lastModified' } as const;
const tagValue = z.string().trim().min(1).max(100).regex(/^[\w.:+/-]+$/, 'letters, digits and . : + / - only');

const inputSchema = z.object({
  operation: z.enum(['search', 'details']).default('search').describe('search: find repos by text and filters; details: everything about one repo.'),
  kind: z.enum(['model', 'dataset', 'space']).default('model').describe('model (default), dataset or space.'),
  query: z.string().trim().max(200).optional().describe('search: text matched against repo ids ("owner/name"), e.g. "qwen2.5" or "ultrachat".'),
  task: tagValue.optional().describe('search: task, e.g. "text-generation" (models: pipeline tag; datasets: task category).'),
  library: tagValue.optional().describe('search: library, e.g. "transformers", "peft", "gguf" (models), "datasets" (datasets), "gradio" (spaces).'),
  language: tagValue.optional().describe('search: language code, e.g. "en", "fr".'),
  license: tagValue.optional().describe('search: license id, e.g. "apache-2.0", "mit".'),
  author: z.string().trim().max(100).regex(/^[\w.-]+$/, 'a user or organization name').optional().describe('search: owner (user or organization), e.g. "Qwen".'),
  gated: z.boolean().optional().describe('search: true = only gated repos, false = only freely downloadable ones (models and datasets).'),
  sort: z.enum(['downloads', 'likes', 'trending', 'lastModified']).default('downloads').describe('search: order, most first (default downloads).'),
  limit: z.number().int().min(1).max(100).default(20).describe('search: results (1-100, default 20).'),
  repo_id: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'use "owner/name"').optional().describe('details: the repo, "owner/name" (with kind).'),
});

type Input = z.output<typeof inputSchema>;

/** Options of {@link createHfHubSearchTool}. */
export type HfHubSearchToolOptions = HfToolsOptions;

const MAX_FILES = 1_000;
const MAX_README_BYTES = 64 * 1024;

/** The `filter` tags of a search, spelled as the Hub tags each kind of repo. */
function searchTags(input: Input): string[] {
  const tags: string[] = [];
  const kind = input.kind;
  if (input.task && kind === 'dataset') tags.push(`task_categories:${input.task}`);
  if (input.library) tags.push(kind === 'dataset' ? `library:${input.library}` : input.library);
  if (input.language) tags.push(kind === 'model' ? input.language : `language:${input.language}`);
  if (input.license) tags.push(`license:${input.license}`);
  return tags;
}

/** `@huggingface/hub` does not send the Hub's `gated` listing filter: add it to listing requests. */
function withGatedFilter(fetchImpl: typeof fetch, kind: SearchKind, gated: boolean | undefined): typeof fetch {
  if (gated === undefined) return fetchImpl;
  return ((input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (url.pathname.endsWith(`/api/${kind}s`)) url.searchParams.set('gated', String(gated));
    return fetchImpl(url, init);
  }) as typeof fetch;
}

async function searchOperation(call: HubCall, input: Input): Promise<string> {
  if (input.kind === 'space' && (input.task || input.language || input.gated !== undefined)) {
    throw new ToolExecutionError('task, language and gated filter models and datasets; Spaces have none of them. Search Spaces with query, library (the SDK), license, author and sort.');
  }
  const hub = await loadHub();
  const tags = searchTags(input);
  const search = {
    ...(input.query ? { query: input.query } : {}),
    ...(input.author ? { owner: input.author } : {}),
    ...(tags.length ? { tags } : {}),
  };
  const params = { ...call.library, fetch: withGatedFilter(call.library.fetch, input.kind, input.gated) };
  const sort = input.kind === 'space' && input.sort === 'downloads' ? 'likes' : SORTS[input.sort];
  const hits: SearchHit[] = [];
  const collect = async (entries: AsyncIterable<SearchHit>) => {
    for await (const entry of entries) {
      if (input.gated !== undefined && Boolean(entry.gated) !== input.gated) continue;
      hits.push(entry);
      if (hits.length >= input.limit) break;
    }
  };
  if (input.kind === 'model') {
    await collect(hub.listModels({ ...params, search: { ...search, ...(input.task ? { task: input.task as never } : {}) }, sort, limit: input.limit, additionalFields: ['library_name', 'tags'] }));
  } else if (input.kind === 'dataset') {
    await collect(hub.listDatasets({ ...params, search, sort, limit: input.limit, additionalFields: ['tags', 'description'] }));
  } else {
    await collect(hub.listSpaces({ ...params, search, sort, additionalFields: ['tags', 'cardData'] }) as AsyncIterable<SearchHit>);
  }
  const filters = [
    input.query && `"${input.query}"`,
    input.task && `task ${input.task}`,
    input.library && `library ${input.library}`,
    input.language && `language ${input.language}`,
    input.license && `license ${input.license}`,
    input.author && `author ${input.author}`,
    input.gated !== undefined && (input.gated ? 'gated only' : 'not gated'),
  ].filter(Boolean);
  const header = `# ${input.kind}s${filters.length ? ` matching ${filters.join(', ')}` : ''}, by ${sort === 'trendingScore' ? 'trending' : sort}${sort !== SORTS[input.sort] ? ' (Spaces have no download counts)' : ''}`;
  if (hits.length === 0) return `${header}\n\nNo ${input.kind}s found. Loosen the filters (a shorter query, no language or license) or check the spelling of task and library.`;
  const lines = [header, `${hits.length} result${hits.length === 1 ? '' : 's'}${hits.length === input.limit ? ` (limit ${input.limit}; raise limit for more)` : ''}`, ''];
  hits.forEach((hit, index) => lines.push(...formatHit(hit, input.kind, call.config.hubUrl, index + 1)));
  lines.push('', `Details of one: hf_hub_search with operation "details", kind "${input.kind}" and its repo_id.`);
  return lines.join('\n');
}

async function repoInfo(call: HubCall, kind: SearchKind, name: string): Promise<Omit<RepoDetails, 'files' | 'readme'>> {
  const hub = await loadHub();
  if (kind === 'model') {
    const info = await hub.modelInfo({ ...call.library, name, additionalFields: ['author', 'cardData', 'tags', 'library_name', 'safetensors', 'createdAt'] });
    return {
      kind, id: info.name, private: info.private, gated: info.gated, downloads: info.downloads, likes: info.likes, updatedAt: info.updatedAt, createdAt: info.createdAt,
      ...(info.task ? { task: info.task } : {}), ...(info.library_name ? { library: info.library_name } : {}),
      tags: info.tags ?? [], cardData: info.cardData, ...(info.safetensors?.total ? { parameters: info.safetensors.total } : {}),
    };
  }
  if (kind === 'dataset') {
    const info = await hub.datasetInfo({ ...call.library, name, additionalFields: ['author', 'cardData', 'tags', 'description', 'createdAt'] });
    return {
      kind, id: info.name, private: info.private, gated: info.gated, downloads: info.downloads, likes: info.likes, updatedAt: info.updatedAt, createdAt: info.createdAt,
      tags: info.tags ?? [], cardData: info.cardData, ...(info.description ? { description: info.description } : {}),
    };
  }
  const info = await hub.spaceInfo({ ...call.library, name, additionalFields: ['author', 'cardData', 'tags', 'runtime', 'models', 'datasets', 'createdAt'] });
  return {
    kind, id: info.name, private: info.private, gated: false, likes: info.likes, updatedAt: info.updatedAt, createdAt: info.createdAt,
    ...(info.sdk ? { sdk: info.sdk } : {}), tags: info.tags ?? [], cardData: info.cardData,
    ...(info.runtime ? { runtime: info.runtime as RepoDetails['runtime'] & object } : {}),
    ...(info.models?.length ? { spaceModels: info.models } : {}), ...(info.datasets?.length ? { spaceDatasets: info.datasets } : {}),
  };
}

async function detailsOperation(call: HubCall, input: Input): Promise<string> {
  if (!input.repo_id) throw new ToolExecutionError('details needs repo_id ("owner/name") and kind.');
  const name = input.repo_id;
  const repo = { type: input.kind, name };
  const hub = await loadHub();
  const listing = async () => {
    const files: { path: string; size: number; lfs: boolean }[] = [];
    let truncated = false;
    for await (const entry of hub.listFiles({ ...call.library, repo, recursive: true })) {
      if (entry.type !== 'file') continue;
      if (files.length >= MAX_FILES) {
        truncated = true;
        break;
      }
      files.push({ path: entry.path, size: entry.lfs?.size ?? entry.size, lfs: entry.lfs !== undefined || entry.xetHash !== undefined });
    }
    return { files, truncated };
  };
  const readme = async () => {
    const blob = await hub.downloadFile({ ...call.library, repo, path: 'README.md' });
    return blob ? new TextDecoder().decode(await blob.slice(0, MAX_README_BYTES).arrayBuffer()) : undefined;
  };
  // The info call decides: a missing or private repo fails the whole operation with its message.
  const [info, files, card] = await Promise.all([repoInfo(call, input.kind, name), settle(listing()), settle(readme())]);
  const details: RepoDetails = { ...info };
  if (files.value) {
    details.files = files.value.files;
    if (files.value.truncated) details.filesTruncated = true;
  } else details.filesError = call.describe(files.error, { label: `${input.kind} repo "${name}"`, pageUrl: pageUrl(call.config.hubUrl, input.kind, name) });
  if (card.value !== undefined) details.readme = card.value;
  else if (card.error) details.readmeError = `Not available: ${call.describe(card.error, { label: `${input.kind} repo "${name}"`, pageUrl: pageUrl(call.config.hubUrl, input.kind, name) })}`;
  return formatDetails(details, call.config.hubUrl);
}

/**
 * `hf_hub_search`: find models, datasets and Spaces on the Hub (text, task, library, language,
 * license, author, gated; sorted by downloads, likes, trending or recency) and show one repo's
 * details: card summary, size and files, tags, base model, downloads, license and gated state.
 */
export function createHfHubSearchTool(options: HfHubSearchToolOptions = {}): Tool<typeof inputSchema> {
  const config = resolveHfConfig(options);
  return defineTool({
    name: 'hf_hub_search',
    description:
      'Search the Hugging Face Hub for models, datasets or Spaces, and read one repo\'s details. ' +
      '`search` (kind, query, task, library, language, license, author, gated, sort, limit) lists matching repos with ' +
      'downloads, likes, license and gated state; `details` (repo_id + kind) shows the card summary, parameter count, ' +
      'files and total size, tags, base model, datasets, downloads, license and whether access must be requested. ' +
      'Use it to pick a base model and a dataset before inspecting the data with hf_inspect_dataset.',
    inputSchema,
    readOnly: true,
    timeoutMs: 60_000,
    summarize: (input) =>
      input.operation === 'details' ? `hf_hub_search details ${input.kind} ${input.repo_id ?? '?'}` : `hf_hub_search ${input.kind}s${input.query ? ` "${input.query}"` : ''}${input.task ? ` task=${input.task}` : ''}`,
    async execute(input, ctx) {
      const call = createHubCall(config, ctx.signal);
      try {
        return call.redact(input.operation === 'details' ? await detailsOperation(call, input) : await searchOperation(call, input));
      } catch (error) {
        const subject = input.operation === 'details' && input.repo_id
          ? { label: `${input.kind} repo "${input.repo_id}"`, pageUrl: pageUrl(config.hubUrl, input.kind, input.repo_id), kind: 'repo' as const }
          : { label: `the Hub ${input.kind} search`, kind: 'other' as const };
        throw call.toToolError(error, subject);
      }
    },
  });
}
