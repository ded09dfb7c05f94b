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

/** A page of `/rows`, `/search` or `/filter`. */
export interface ViewerRowsPage {
  features?: { name: string; type: unknown }[];
  rows?: { row_idx: number; row: Record<string, unknown>; truncated_cells?: string[] }[];
  num_rows_total?: number;
  partial?: boolean;
}

/** One column of `/statistics`. */
export interface ViewerColumnStatistics {
  column_name: string;
  column_type: string;
  column_statistics: {
    nan_count?: number;
    nan_proportion?: number;
    n_unique?: number;
    frequencies?: Record<string, number>;
    min?: number | null;
    max?: number | null;
    mean?: number | null;
    median?: number | null;
    std?: number | null;
  };
}

export interface ViewerStatistics {
  num_examples?: number;
  statistics?: ViewerColumnStatistics[];
  partial?: boolean;
}

function round(value: number | null | undefined): string {
  if (value === null || value === undefined) return '?';
  return Number.isInteger(value) ? formatCount(value) : value.toFixed(Math.abs(value) >= 100 ? 1 : 3).replace(/\.?0+$/, '');
}

/** One line per column: label frequencies, or min/max/mean/median/std of values or lengths. */
export function formatStatistics(statistics: ViewerStatistics, where: string): string[] {
  const total = statistics.num_examples;
  const lines = [`## Statistics (${where}, ${formatCount(total)} rows${statistics.partial ? ', computed on the first part of the split only' : ''})`];
  for (const column of statistics.statistics ?? []) {
    const stats = column.column_statistics;
    const missing = stats.nan_count ? `; ${formatCount(stats.nan_count)} missing (${((stats.nan_proportion ?? 0) * 100).toFixed(1)}%)` : '';
    let detail: string;
    if (stats.frequencies) {
      const entries = Object.entries(stats.frequencies).sort((left, right) => right[1] - left[1]);
      const shown = entries.slice(0, 10).map(([label, count]) => `${truncateText(label, 40)} ${formatCount(count)}${total ? ` (${((count / total) * 100).toFixed(1)}%)` : ''}`);
      detail = `${stats.n_unique ?? entries.length} unique: ${shown.join(', ')}${entries.length > 10 ? ', …' : ''}`;
    } else {
      const of = column.column_type === 'string_text' ? 'length ' : column.column_type === 'list' ? 'items ' : '';
      detail = `${of}min ${round(stats.min)}, max ${round(stats.max)}, mean ${round(stats.mean)}, median ${round(stats.median)}, std ${round(stats.std)}`;
    }
    lines.push(`- ${column.column_name} (${column.column_type}): ${detail}${missing}`);
  }
  if ((statistics.statistics ?? []).length === 0) lines.push('No column statistics (the viewer computes them for numbers, labels, booleans, strings and lists only).');
  return lines;
}

/** Rows of a page, each cell shortened to `maxCell` characters; the total text stays under `maxChars`. */
export function formatRowsPage(page: ViewerRowsPage, maxCell: number, maxChars: number): { lines: string[]; shown: number } {
  const lines: string[] = [];
  let size = 0;
  let shown = 0;
  for (const entry of page.rows ?? []) {
    const block = [`Row ${entry.row_idx}:`, ...Object.entries(entry.row).map(([name, value]) => `  ${name}: ${formatCell(value, maxCell)}${entry.truncated_cells?.includes(name) ? ' [cut by the viewer]' : ''}`)];
    const length = block.reduce((sum, line) => sum + line.length + 1, 0);
    if (shown > 0 && size + length > maxChars) break;
    lines.push(...block);
    size += length;
    shown += 1;
  }
  return { lines, shown };
}
