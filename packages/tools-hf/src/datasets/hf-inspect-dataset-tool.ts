import { defineTool, isAbortError, ToolExecutionError, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { resolveHfConfig, type HfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall, type HubCall } from '../hub-call.js';
import { HubHttpError } from '../hub-error.js';
import { loadHub } from '../hub-library.js';
import { formatBytes, oneLine } from '../text-limits.js';
import {
  describeFeature,
  formatCell,
  formatParquet,
  formatSplitsTable,
  type ViewerFirstRows,
  type ViewerInfo,
  type ViewerParquetFile,
  type ViewerSplits,
  type ViewerValidity,
} from './dataset-viewer-format.js';

const inputSchema = z.object({
  dataset: z.string().regex(/^[\w.-]+(\/[\w.-]+)?$/, 'use the Hub id, e.g. "stanfordnlp/imdb"').describe('Dataset id on the Hub, e.g. "HuggingFaceH4/ultrachat_200k".'),
  config: z.string().max(200).optional().describe('Config (subset) name; default the first one.'),
  split: z.string().max(200).optional().describe('Split to sample; default "train" or the first split.'),
  sample_rows: z.number().int().min(0).max(10).default(3).describe('Sample rows to show (0-10, default 3); long values are shortened.'),
});

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

function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => {
      if (isAbortError(error)) throw error;
      return { error };
    },
  );
}

/**
 * `hf_inspect_dataset`: what a dataset looks like before training on it, from the dataset viewer:
 * validity, configs and splits with row counts, schema, parquet files and a few sample rows.
 * Uses the token for gated/private datasets and explains missing access.
 */
export function createHfInspectDatasetTool(options: HfInspectDatasetToolOptions = {}): Tool<typeof inputSchema> {
  const config = resolveHfConfig(options);
  const viewer = config.datasetsServerUrl;
  return defineTool({
    name: 'hf_inspect_dataset',
    description:
      'Inspect a Hub dataset through the dataset viewer: whether it is viewable, its configs and splits (row counts), ' +
      'the schema (column types), parquet file URLs and a few sample rows. Check the columns and format here before ' +
      'writing a training script.',
    inputSchema,
    readOnly: true,
    timeoutMs: 60_000,
    summarize: (input) => `hf_inspect_dataset ${input.dataset}${input.config ? ` (${input.config})` : ''}`,
    async execute(input, ctx) {
      const call = createHubCall(config, ctx.signal);
      const dataset = input.dataset;
      const query = (extra: Record<string, string> = {}) => new URLSearchParams({ dataset, ...extra }).toString();
      try {
        const [validity, splits, parquet] = await Promise.all([
          settle(call.json<ViewerValidity>(`${viewer}/is-valid?${query()}`)),
          settle(call.json<ViewerSplits>(`${viewer}/splits?${query()}`)),
          settle(call.json<{ parquet_files?: ViewerParquetFile[] }>(`${viewer}/parquet?${query()}`)),
        ]);
        const refusal = [validity.error, splits.error].find((error) => error instanceof HubHttpError && [401, 403, 404].includes(error.status));
        if (refusal) throw new ToolExecutionError(await diagnoseAccess(call, config, dataset, refusal));
        if (validity.error && splits.error) throw validity.error;
        const flags = validity.value ?? {};
        const lines = [`# Dataset ${dataset}`, `${config.hubUrl}/datasets/${dataset}`, ''];
        lines.push(`Viewer: ${flags.viewer ? 'yes' : 'no'} | preview: ${flags.preview ? 'yes' : 'no'} | search: ${flags.search ? 'yes' : 'no'} | filter: ${flags.filter ? 'yes' : 'no'}`);
        const allSplits = splits.value?.splits ?? [];
        if (allSplits.length === 0) {
          lines.push('', `The dataset viewer has no splits for this dataset${(splits.value?.pending?.length ?? 0) > 0 ? ' yet (still processing; retry in a few minutes)' : ' (unsupported format, a loading script, or a processing failure)'}. List its files with hf_repo_files.`);
          if (splits.error) lines.push(`Viewer error: ${call.describe(splits.error)}`);
          return call.redact(lines.join('\n'));
        }
        const configs = [...new Set(allSplits.map((split) => split.config))];
        const chosenConfig = input.config ?? configs[0] as string;
        if (!configs.includes(chosenConfig)) throw new ToolExecutionError(`config "${chosenConfig}" not found in ${dataset}. Configs: ${configs.join(', ')}.`);
        const configSplits = allSplits.filter((split) => split.config === chosenConfig).map((split) => split.split);
        const chosenSplit = input.split ?? (configSplits.includes('train') ? 'train' : (configSplits[0] as string));
        if (!configSplits.includes(chosenSplit)) throw new ToolExecutionError(`split "${chosenSplit}" not found in config "${chosenConfig}". Splits: ${configSplits.join(', ')}.`);

        const [info, rows] = await Promise.all([
          settle(call.json<ViewerInfo>(`${viewer}/info?${query({ config: chosenConfig })}`)),
          input.sample_rows > 0 || !flags.viewer
            ? settle(call.json<ViewerFirstRows>(`${viewer}/first-rows?${query({ config: chosenConfig, split: chosenSplit })}`))
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

        if (input.sample_rows > 0) {
          lines.push('', `## Sample rows (${chosenConfig}/${chosenSplit})`);
          if (rows.error) lines.push(`Not available: ${call.describe(rows.error)}`);
          for (const row of (rows.value?.rows ?? []).slice(0, input.sample_rows)) {
            lines.push(`Row ${row.row_idx}:`);
            for (const [name, value] of Object.entries(row.row)) lines.push(`  ${name}: ${formatCell(value)}`);
          }
        }
        lines.push('', ...formatParquet(parquet.value?.parquet_files ?? [], chosenConfig));
        return call.redact(lines.join('\n'));
      } catch (error) {
        throw call.toToolError(error, { label: `dataset "${dataset}"`, pageUrl: `${config.hubUrl}/datasets/${dataset}`, kind: 'repo' });
      }
    },
  });
}
