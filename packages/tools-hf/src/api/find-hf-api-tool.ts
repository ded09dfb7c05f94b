import { defineTool, ToolExecutionError, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { createBm25Index } from '../bm25-index.js';
import { createCachedLoader } from '../disk-cache.js';
import { resolveHfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall } from '../hub-call.js';
import { truncateText } from '../text-limits.js';
import { curlExample, extractApiCatalog, type ApiCatalog, type ApiEndpoint } from './openapi-catalog.js';

const inputSchema = z.object({
  query: z.string().max(200).optional().describe('Keywords, e.g. "space logs", "create webhook", "organization members", "list commits".'),
  tag: z.string().max(100).optional().describe('Restrict to one API category (tag) of the spec; alone, lists that category.'),
  max_results: z.number().int().min(1).max(30).default(10).describe('Endpoints to return (default 10, max 30).'),
});

/** Options of {@link createFindHfApiTool}. */
export type FindHfApiToolOptions = HfToolsOptions;

function formatEndpoint(endpoint: ApiEndpoint, baseUrl: string, position: number): string {
  const lines = [`## ${position}. ${endpoint.method} ${endpoint.path}`];
  if (endpoint.summary) lines.push(endpoint.summary);
  if (endpoint.description && endpoint.description !== endpoint.summary) lines.push(truncateText(endpoint.description.replace(/\s+/g, ' '), 300));
  if (endpoint.tags.length) lines.push(`Tags: ${endpoint.tags.join(', ')}`);
  const parameters = endpoint.parameters.filter((one) => one.name);
  if (parameters.length) {
    lines.push('Parameters:');
    for (const parameter of parameters.slice(0, 15)) {
      lines.push(`- \`${parameter.name}\` (${parameter.in}, ${parameter.type}${parameter.required ? ', required' : ''})${parameter.description ? `: ${truncateText(parameter.description.replace(/\s+/g, ' '), 120)}` : ''}`);
    }
  }
  if (endpoint.requestBody) lines.push(`Body: ${truncateText(endpoint.requestBody, 400)}`);
  lines.push('```bash', curlExample(endpoint, baseUrl), '```');
  if (endpoint.responses.length) lines.push(`Responses: ${endpoint.responses.map((line) => truncateText(line, 80)).join('; ')}`);
  return lines.join('\n');
}

/**
 * `find_hf_api`: search the Hub's OpenAPI spec (`/.well-known/openapi.json`, fetched once and cached
 * on disk for `cacheTtlMs`) and show matching endpoints with parameters and a curl example.
 */
export function createFindHfApiTool(options: FindHfApiToolOptions = {}): Tool<typeof inputSchema> {
  const config = resolveHfConfig(options);
  const loader = createCachedLoader<ApiCatalog>(config.cacheDir, `${new URL(config.hubUrl).host}-openapi`, config.cacheTtlMs);
  return defineTool({
    name: 'find_hf_api',
    description:
      'Find Hugging Face Hub REST API endpoints for operations no other tool covers (webhooks, collections, Space logs ' +
      'and metrics, organization members, commits, access requests, …). Search by keywords and/or a tag; returns method, ' +
      'path, parameters and a curl example using $HF_TOKEN.',
    inputSchema,
    readOnly: true,
    timeoutMs: 60_000,
    summarize: (input) => `find_hf_api ${[input.query, input.tag && `tag=${input.tag}`].filter(Boolean).join(' ')}`,
    async execute(input, ctx) {
      const query = input.query?.trim();
      const tag = input.tag?.trim();
      if (!query && !tag) throw new ToolExecutionError('pass a query (keywords) or a tag (API category), or both.');
      const call = createHubCall(config, ctx.signal);
      let catalog: ApiCatalog;
      let stale = false;
      try {
        const cached = await loader.get(async () => extractApiCatalog(await call.json(`${config.hubUrl}/.well-known/openapi.json`)));
        catalog = cached.value;
        stale = cached.source === 'stale';
      } catch (error) {
        throw call.toToolError(error, { label: 'the Hub OpenAPI spec', kind: 'page' });
      }
      if (tag && !catalog.tags.some((one) => one.toLowerCase() === tag.toLowerCase())) {
        throw new ToolExecutionError(`unknown tag "${tag}". Tags: ${catalog.tags.join(', ')}.`);
      }
      const inTag = tag ? catalog.endpoints.filter((endpoint) => endpoint.tags.some((one) => one.toLowerCase() === tag.toLowerCase())) : catalog.endpoints;
      let results = inTag;
      let note = '';
      if (query) {
        const index = createBm25Index(
          inTag.map((endpoint, position) => ({
            id: String(position),
            fields: {
              summary: endpoint.summary,
              operationId: endpoint.operationId.replace(/([a-z])([A-Z])/g, '$1 $2'),
              tags: endpoint.tags.join(' '),
              description: endpoint.description,
              path: endpoint.path.replace(/[{}/_-]+/g, ' '),
              parameters: endpoint.parameters.map((one) => one.name).join(' '),
            },
          })),
          { summary: 3, operationId: 2, tags: 1.5, path: 1.5, description: 1, parameters: 1 },
        );
        results = index.search(query, input.max_results).map((hit) => inTag[Number(hit.id)] as ApiEndpoint);
        if (results.length === 0) {
          if (!tag) return `No Hub API endpoint matches "${query}". Try other keywords or browse a tag: ${catalog.tags.join(', ')}.`;
          results = inTag;
          note = ` (no match for "${query}"; showing the ${tag} endpoints)`;
        }
      }
      const shown = results.slice(0, input.max_results);
      const header = `# Hub API endpoints${query ? ` matching "${query}"` : ''}${tag ? ` in ${tag}` : ''}${note}\n${shown.length} of ${results.length} shown.${stale ? ' (Using a cached copy of the spec: refreshing it failed.)' : ''}`;
      return call.redact([header, ...shown.map((endpoint, position) => formatEndpoint(endpoint, config.hubUrl, position + 1))].join('\n\n'));
    },
  });
}
