import { formatBytes, formatCount, truncateText } from '../text-limits.js';

/** Shapes of the dataset-viewer API (datasets-server) the tool reads. */
export interface ViewerValidity {
  viewer?: boolean;
  preview?: boolean;
  search?: boolean;
  filter?: boolean;
  statistics?: boolean;
}

export interface ViewerSplit {
  dataset?: string;
  config: string;
  split: string;
}

export interface ViewerSplits {
  splits: ViewerSplit[];
  pending?: unknown[];
  failed?: unknown[];
}

export interface ViewerParquetFile {
  config: string;
  split: string;
  url: string;
  filename?: string;
  size?: number;
}

export interface ViewerInfo {
  dataset_info?: {
    description?: string;
    license?: string;
    features?: Record<string, unknown>;
    splits?: Record<string, { name?: string; num_examples?: number; num_bytes?: number }>;
    download_size?: number;
    dataset_size?: number;
  };
  partial?: boolean;
}

export interface ViewerFirstRows {
  features?: { name: string; type: unknown }[];
  rows?: { row_idx: number; row: Record<string, unknown>; truncated_cells?: string[] }[];
  truncated?: boolean;
}

/** A compact type string for a `datasets` feature (`string`, `ClassLabel(neg, pos)`, `List[int64]`, `{a: string}`). */
export function describeFeature(feature: unknown, depth = 0): string {
  if (Array.isArray(feature)) return `List[${describeFeature(feature[0], depth + 1)}]`;
  if (!feature || typeof feature !== 'object') return String(feature);
  const record = feature as Record<string, unknown>;
  const kind = record._type;
  if (kind === 'Value') return String(record.dtype ?? 'value');
  if (kind === 'ClassLabel') {
    const names = (record.names as string[] | undefined) ?? [];
    return `ClassLabel(${truncateText(names.join(', '), 120)})`;
  }
  if (kind === 'Sequence' || kind === 'List' || kind === 'LargeList') return `List[${describeFeature(record.feature, depth + 1)}]`;
  if (typeof kind === 'string') return kind;
  if (depth > 2) return '{…}';
  const fields = Object.entries(record).map(([name, value]) => `${name}: ${describeFeature(value, depth + 1)}`);
  return `{${truncateText(fields.join(', '), 300)}}`;
}

/** One sample cell, shortened to `max` characters. */
export function formatCell(value: unknown, max = 150): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return truncateText((text ?? 'null').replace(/\s+/g, ' '), max);
}

export function formatSplitsTable(splits: readonly ViewerSplit[], info: ViewerInfo | undefined, selectedConfig: string): string[] {
  const byConfig = new Map<string, string[]>();
  for (const split of splits) byConfig.set(split.config, [...(byConfig.get(split.config) ?? []), split.split]);
  const lines = [`## Configs and splits (${byConfig.size} config${byConfig.size === 1 ? '' : 's'})`];
  const counts = info?.dataset_info?.splits ?? {};
  for (const [config, names] of [...byConfig.entries()].slice(0, 30)) {
    const detail = names.map((name) => (config === selectedConfig && counts[name]?.num_examples !== undefined ? `${name} (${formatCount(counts[name]?.num_examples)} rows)` : name));
    lines.push(`- ${config}${config === selectedConfig ? ' (shown below)' : ''}: ${detail.join(', ')}`);
  }
  if (byConfig.size > 30) lines.push(`- … ${byConfig.size - 30} more configs`);
  return lines;
}

export function formatParquet(files: readonly ViewerParquetFile[], config: string): string[] {
  if (files.length === 0) return ['## Parquet files', 'None (the viewer has not converted this dataset to parquet).'];
  const groups = new Map<string, ViewerParquetFile[]>();
  for (const file of files) groups.set(`${file.config}/${file.split}`, [...(groups.get(`${file.config}/${file.split}`) ?? []), file]);
  const lines = [`## Parquet files (${files.length})`];
  for (const [key, group] of [...groups.entries()].slice(0, 20)) {
    const size = group.reduce((sum, file) => sum + (file.size ?? 0), 0);
    lines.push(`- ${key}: ${group.length} file${group.length === 1 ? '' : 's'}, ${formatBytes(size)}`);
    if (key.startsWith(`${config}/`)) for (const file of group.slice(0, 3)) lines.push(`  ${file.url}`);
  }
  if (groups.size > 20) lines.push(`- … ${groups.size - 20} more config/split pairs`);
  return lines;
}
