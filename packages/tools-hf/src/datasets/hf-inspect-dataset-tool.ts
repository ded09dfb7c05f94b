import { defineTool, isAbortError, ToolExecutionError, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { resolveHfConfig, type HfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall, type HubCall } from '../hub-call.js';
import { HubHttpError } from '../hub-error.js';
import { loadHub } from '../hub-library.js';
import { formatBytes, formatCount, oneLine } from '../text-limits.js';
import {
  describeFeature,
  formatCell,
  formatParquet,
  formatRowsPage,
  formatSplitsTable,
  formatStatistics,
  type ViewerFirstRows,
  type ViewerRowsPage,
  type ViewerStatistics,
  type ViewerInfo,
  type ViewerParquetFile,
  type ViewerSplits,
  type ViewerValidity,
} from './dataset-viewer-format.js';
import { checkTrainingFormat, formatTrainingFormat } from './training-format.js';
import { settle } from '../settle.js';

const inputSchema = z.object({
  operation: z
    .enum(['inspect', 'statistics', 'rows', 'search', 'filter'])
    .default('inspect')
    .describe('inspect (default): overview, schema, samples and which TRL trainers the format fits; statistics: per-column distributions; rows: a page of rows; search: full-text search; filter: SQL-like where / order_by.'),
  dataset: z.string().regex(/^[\w.-]+(\/[\w.-]+)?$/, 'use the Hub id, e.g. "stanfordnlp/imdb"').describe('Dataset id on the Hub, e.g. "HuggingFaceH4/ultrachat_200k".'),
  config: z.string().max(200).optional().describe('Config (subset) name; default the first one.'),
  split: z.string().max(200).optional().describe('Split to sample; default "train" or the first split.'),
  sample_rows: z.number().int().min(0).max(10).default(3).describe('inspect: sample rows to show (0-10, default 3); long values are shortened.'),
  offset: z.number().int().min(0).max(1_000_000_000).default(0).describe('rows/search/filter: index of the first row to return (default 0).'),
  length: z.number().int().min(1).max(100).default(10).describe('rows/search/filter: rows to return (1-100, default 10).'),
  query: z.string().trim().min(1).max(500).optional().describe('search: words to find in the text columns.'),
  where: z.string().trim().min(1).max(2_000).optional().describe(`filter: SQL condition; column names in double quotes, strings in single quotes, e.g. "label" = 1 AND "lang" = 'fr'.`),
  order_by: z.string().trim().min(1).max(500).optional().describe('filter: sort order, e.g. "score" DESC.'),
});

type Input = z.output<typeof inputSchema>;

/** Options of {@link createHfInspectDatasetTool}. */
export type HfInspectDatasetToolOptions = HfToolsOptions;

/** After the viewer refused: find out from the Hub whether the dataset is missing, private or gated. */
async function diagnoseAccess(call: HubCall, config: HfConfig, dataset: string, viewerError: unknown): Promise<string> {
  const page = `${config.hubUrl}/datasets/${dataset}`;
  const subject = { label: `dataset "${dataset}"`, pageUrl: page, kind: 'repo' as const };
  let info: { gated?: false | 'auto' | 'manual'; private?: boolean };
  try {
    const { datasetInfo } = await loadHub();
    info = await datasetInfo({ ...call.library, name: dataset });
  } catch (error) {
    if (isAbortError(error)) throw error;
    return call.describe(error, subject);
  }
  if (info.gated) {
    return call.hasToken
      ? `dataset "${dataset}" is gated: accept its terms at ${page} with the account of your HF token, then retry.`
      : `dataset "${dataset}" is gated: accept its terms at ${page}, configure HF_TOKEN for that account, then retry.`;
  }
  if (info.private && !call.hasToken) return `dataset "${dataset}" is private: configure HF_TOKEN for an account with access, then retry.`;
  return call.describe(viewerError, { label: `the dataset viewer for "${dataset}"`, pageUrl: page });
}

const QUERY_ENDPOINTS = { rows: 'rows', search: 'search', filter: 'filter', statistics: 'statistics' } as const;
/** Characters of row text one rows/search/filter answer may carry (cells are cut first). */
const MAX_ROWS_CHARS = 24_000;
const MAX_ROW_CELL = 500;

type Viewer = (endpoint: string, extra?: Record<string, string>) => Promise<unknown>;

/** Pick the config and split (validated against the viewer's list), as inspect does. */
function chooseSplit(dataset: string, allSplits: readonly { config: string; split: string }[], input: Input): { config: string; split: string } {
  const configs = [...new Set(allSplits.map((split) => split.config))];
  const chosenConfig = input.config ?? (configs[0] as string);
  if (!configs.includes(chosenConfig)) throw new ToolExecutionError(`config "${chosenConfig}" not found in ${dataset}. Configs: ${configs.join(', ')}.`);
  const configSplits = allSplits.filter((split) => split.config === chosenConfig).map((split) => split.split);
  const chosenSplit = input.split ?? (configSplits.includes('train') ? 'train' : (configSplits[0] as string));
  if (!configSplits.includes(chosenSplit)) throw new ToolExecutionError(`split "${chosenSplit}" not found in config "${chosenConfig}". Splits: ${configSplits.join(', ')}.`);
  return { config: chosenConfig, split: chosenSplit };
}

async function refuseOnAccess(call: HubCall, config: HfConfig, dataset: string, errors: unknown[]): Promise<void> {
  const refusal = errors.find((error) => error instanceof HubHttpError && [401, 403, 404].includes(error.status));
  if (refusal) throw new ToolExecutionError(await diagnoseAccess(call, config, dataset, refusal));
}

async function inspectOperation(call: HubCall, config: HfConfig, input: Input, viewer: Viewer): Promise<string> {
  const dataset = input.dataset;
  const [validity, splits, parquet] = await Promise.all([
    settle(viewer('is-valid') as Promise<ViewerValidity>),
    settle(viewer('splits') as Promise<ViewerSplits>),
    settle(viewer('parquet') as Promise<{ parquet_files?: ViewerParquetFile[] }>),
  ]);
  await refuseOnAccess(call, config, dataset, [validity.error, splits.error]);
  if (validity.error && splits.error) throw validity.error;
  const flags = validity.value ?? {};
  const lines = [`# Dataset ${dataset}`, `${config.hubUrl}/datasets/${dataset}`, ''];
  lines.push(`Viewer: ${flags.viewer ? 'yes' : 'no'} | preview: ${flags.preview ? 'yes' : 'no'} | search: ${flags.search ? 'yes' : 'no'} | filter: ${flags.filter ? 'yes' : 'no'}`);
  const allSplits = splits.value?.splits ?? [];
  if (allSplits.length === 0) {
    lines.push('', `The dataset viewer has no splits for this dataset${(splits.value?.pending?.length ?? 0) > 0 ? ' yet (still processing; retry in a few minutes)' : ' (unsupported format, a loading script, or a processing failure)'}. List its files with hf_repo_files.`);
    if (splits.error) lines.push(`Viewer error: ${call.describe(splits.error)}`);
    return lines.join('\n');
  }
  const { config: chosenConfig, split: chosenSplit } = chooseSplit(dataset, allSplits, input);

  const [info, rows] = await Promise.all([
    settle(viewer('info', { config: chosenConfig }) as Promise<ViewerInfo>),
    input.sample_rows > 0 || !flags.viewer
      ? settle(viewer('first-rows', { config: chosenConfig, split: chosenSplit }) as Promise<ViewerFirstRows>)
      : Promise.resolve({} as { value?: ViewerFirstRows; error?: unknown }),
  ]);
  const details = info.value?.dataset_info;
  if (details?.description) lines.push('', oneLine(details.description, 400));
  if (details?.dataset_size !== undefined) lines.push(`Size: ${formatBytes(details.dataset_size)} in memory${details.download_size !== undefined ? `, ${formatBytes(details.download_size)} download` : ''}${details.license ? ` | license: ${details.license}` : ''}`);
  lines.push('', ...formatSplitsTable(allSplits, info.value, chosenConfig));

  const features = details?.features ? Object.entries(details.features) : (rows.value?.features ?? []).map((feature) => [feature.name, feature.type] as const);
  lines.push('', `## Schema (${chosenConfig})`);
  if (features.length === 0) lines.push('Unknown (the viewer has no schema for this config).');
  for (const [name, type] of features) lines.push(`- ${name}: ${describeFeature(type)}`);

  const samples = (rows.value?.rows ?? []).slice(0, Math.max(input.sample_rows, 0));
  if (input.sample_rows > 0) {
    lines.push('', `## Sample rows (${chosenConfig}/${chosenSplit})`);
    if (rows.error) lines.push(`Not available: ${call.describe(rows.error)}`);
    for (const row of samples) {
      lines.push(`Row ${row.row_idx}:`);
      for (const [name, value] of Object.entries(row.row)) lines.push(`  ${name}: ${formatCell(value)}`);
    }
  }
  if (features.length > 0 || samples.length > 0) {
    lines.push('', ...formatTrainingFormat(checkTrainingFormat(features, samples.map((row) => row.row)), samples.length));
  }
  lines.push('', ...formatParquet(parquet.value?.parquet_files ?? [], chosenConfig));
  const more = [flags.statistics && 'statistics', 'rows', flags.search && 'search', flags.filter && 'filter'].filter(Boolean).join(', ');
  lines.push('', `More: operation ${more} (same dataset, config and split).`);
  return lines.join('\n');
}

async function queryOperation(call: HubCall, config: HfConfig, input: Input, viewer: Viewer): Promise<string> {
  const dataset = input.dataset;
  const operation = input.operation as keyof typeof QUERY_ENDPOINTS;
  if (operation === 'search' && !input.query) throw new ToolExecutionError('search needs query (the words to find).');
  if (operation === 'filter' && !input.where && !input.order_by) throw new ToolExecutionError('filter needs where (an SQL condition) and/or order_by.');
  const needsFlag = operation !== 'rows';
  const [validity, splits] = await Promise.all([
    needsFlag ? settle(viewer('is-valid') as Promise<ViewerValidity>) : Promise.resolve({} as { value?: ViewerValidity; error?: unknown }),
    settle(viewer('splits') as Promise<ViewerSplits>),
  ]);
  await refuseOnAccess(call, config, dataset, [validity.error, splits.error]);
  if (splits.error) throw splits.error;
  if (needsFlag && validity.value && !validity.value[operation]) {
    const alternatives = operation === 'statistics' ? 'Use rows to read the data.' : `Use ${operation === 'search' ? 'filter (where with LIKE) or rows' : 'search or rows'} instead.`;
    return `The dataset viewer has no ${operation} for ${dataset} (it has not indexed this dataset for it; large or unusual datasets often lack it). ${alternatives}`;
  }
  const allSplits = splits.value?.splits ?? [];
  if (allSplits.length === 0) return `The dataset viewer has no splits for ${dataset}; it cannot serve ${operation}. List its files with hf_repo_files.`;
  const { config: chosenConfig, split: chosenSplit } = chooseSplit(dataset, allSplits, input);
  const where = `${chosenConfig}/${chosenSplit}`;
  const params: Record<string, string> = { config: chosenConfig, split: chosenSplit };
  if (operation === 'statistics') {
    const statistics = (await viewer('statistics', params)) as ViewerStatistics;
    return [`# Dataset ${dataset}`, '', ...formatStatistics(statistics, where)].join('\n');
  }
  params.offset = String(input.offset);
  params.length = String(input.length);
  if (operation === 'search') params.query = input.query as string;
  if (operation === 'filter') {
    if (input.where) params.where = input.where;
    if (input.order_by) params.orderby = input.order_by;
  }
  const page = (await viewer(QUERY_ENDPOINTS[operation], params)) as ViewerRowsPage;
  const { lines: rowLines, shown } = formatRowsPage(page, MAX_ROW_CELL, MAX_ROWS_CHARS);
  const total = page.num_rows_total;
  const what =
    operation === 'search' ? `rows matching "${input.query}"` : operation === 'filter' ? `rows${input.where ? ` where ${input.where}` : ''}${input.order_by ? ` ordered by ${input.order_by}` : ''}` : 'rows';
  const lines = [`# Dataset ${dataset} (${where}): ${what}`];
  if (shown === 0) {
    lines.push(total && input.offset >= total ? `offset ${input.offset} is past the end (${formatCount(total)} ${operation === 'rows' ? 'rows' : 'matches'}).` : 'No rows.');
    return lines.join('\n');
  }
  lines.push(`Rows ${input.offset + 1}–${input.offset + shown} of ${formatCount(total)}${page.partial ? ' (the viewer only indexed the first part of this split)' : ''}`, '', ...rowLines);
  const next = input.offset + shown;
  if (total !== undefined && next < total) lines.push('', `More: call again with offset ${next}.`);
  return lines.join('\n');
}

/**
 * `hf_inspect_dataset`: what a dataset looks like before training on it, from the dataset viewer.
 * `inspect`: validity, configs and splits with row counts, schema, parquet files, a few sample rows
 * and which TRL trainers (SFT, DPO, GRPO, KTO, reward) the format fits. `statistics`, `rows`,
 * `search` and `filter` read the viewer's per-column statistics and pages of rows.
 * Uses the token for gated/private datasets and explains missing access.
 */
export function createHfInspectDatasetTool(options: HfInspectDatasetToolOptions = {}): Tool<typeof inputSchema> {
  const config = resolveHfConfig(options);
  const base = config.datasetsServerUrl;
  return defineTool({
    name: 'hf_inspect_dataset',
    description:
      'Inspect a Hub dataset through the dataset viewer before writing a training script. `inspect` (default): whether it is ' +
      'viewable, configs and splits (row counts), the schema (column types), sample rows, parquet file URLs, the chat ' +
      '`messages` structure and which TRL trainers the columns fit as they are (SFT, DPO, GRPO, KTO, reward) or what to ' +
      'rename. `statistics`: per-column distributions (label frequencies, text lengths, numeric ranges, missing values). ' +
      '`rows` (offset, length), `search` (query) and `filter` (where, order_by: SQL over the columns) return pages of rows.',
    inputSchema,
    readOnly: true,
    timeoutMs: 60_000,
    summarize: (input) => `hf_inspect_dataset ${input.operation === 'inspect' ? '' : `${input.operation} `}${input.dataset}${input.config ? ` (${input.config})` : ''}`,
    async execute(input, ctx) {
      const call = createHubCall(config, ctx.signal);
      const dataset = input.dataset;
      const viewer: Viewer = (endpoint, extra = {}) => call.json(`${base}/${endpoint}?${new URLSearchParams({ dataset, ...extra }).toString()}`);
      try {
        const output = input.operation === 'inspect' ? await inspectOperation(call, config, input, viewer) : await queryOperation(call, config, input, viewer);
        return call.redact(output);
      } catch (error) {
        throw call.toToolError(error, { label: `dataset "${dataset}"`, pageUrl: `${config.hubUrl}/datasets/${dataset}`, kind: 'repo' });
      }
    },
  });
}
