import { formatBytes, formatCount, oneLine, truncateText } from '../text-limits.js';

export type SearchKind = 'model' | 'dataset' | 'space';

/** One search hit, whatever its kind, as the listing functions of `@huggingface/hub` return it. */
export interface SearchHit {
  name: string;
  private: boolean;
  gated?: false | 'auto' | 'manual';
  downloads?: number;
  likes: number;
  updatedAt: Date;
  task?: string;
  library_name?: string;
  sdk?: string;
  tags?: string[];
  description?: string;
  cardData?: unknown;
}

/** Values of the tags the Hub writes as `prefix:value` (`license:mit`, `language:en`, `base_model:finetune:x/y`). */
export function tagValues(tags: readonly string[] | undefined, prefix: string): string[] {
  return (tags ?? []).filter((tag) => tag.startsWith(`${prefix}:`)).map((tag) => tag.slice(prefix.length + 1));
}

function asList(value: unknown): string[] {
  if (typeof value === 'string') return value ? [value] : [];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function licenseOf(tags: readonly string[] | undefined, cardData?: unknown): string | undefined {
  return asList(record(cardData).license)[0] ?? tagValues(tags, 'license')[0];
}

function date(value: Date | string | undefined): string {
  if (!value) return '?';
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? '?' : parsed.toISOString().slice(0, 10);
}

function gatedLabel(gated: false | 'auto' | 'manual' | undefined): string | undefined {
  if (!gated) return undefined;
  return gated === 'manual' ? 'gated (manual approval)' : 'gated (accept terms)';
}

/** The page of a repo on the Hub. */
export function pageUrl(hubUrl: string, kind: SearchKind, id: string): string {
  return kind === 'model' ? `${hubUrl}/${id}` : `${hubUrl}/${kind}s/${id}`;
}

/** One result as two lines: id with its key facts, then the page and a short description. */
export function formatHit(hit: SearchHit, kind: SearchKind, hubUrl: string, index: number): string[] {
  const facts: string[] = [];
  if (kind === 'model') {
    if (hit.task) facts.push(hit.task);
    if (hit.library_name) facts.push(hit.library_name);
  }
  if (kind === 'dataset') {
    const tasks = tagValues(hit.tags, 'task_categories');
    if (tasks.length) facts.push(tasks.slice(0, 2).join(', '));
    const size = tagValues(hit.tags, 'size_categories')[0];
    if (size) facts.push(size);
  }
  if (kind === 'space' && hit.sdk) facts.push(hit.sdk);
  if (kind !== 'space') facts.push(`${formatCount(hit.downloads ?? 0)} downloads`);
  facts.push(`${formatCount(hit.likes)} likes`);
  const license = licenseOf(hit.tags, hit.cardData);
  if (license) facts.push(`license ${license}`);
  const gated = gatedLabel(hit.gated);
  if (gated) facts.push(gated);
  if (hit.private) facts.push('private');
  facts.push(`updated ${date(hit.updatedAt)}`);
  const lines = [`${index}. ${hit.name} — ${facts.join(' | ')}`];
  const card = record(hit.cardData);
  const blurb = kind === 'space' ? [card.title, card.short_description].filter((part) => typeof part === 'string').join(': ') : (hit.description ?? '');
  lines.push(`   ${pageUrl(hubUrl, kind, hit.name)}${blurb ? ` — ${oneLine(blurb, 160)}` : ''}`);
  return lines;
}

/** What `details` shows about a repo. */
export interface RepoDetails {
  kind: SearchKind;
  id: string;
  private: boolean;
  gated: false | 'auto' | 'manual';
  downloads?: number;
  likes: number;
  updatedAt?: Date;
  createdAt?: string;
  task?: string;
  library?: string;
  sdk?: string;
  tags: string[];
  cardData?: unknown;
  description?: string;
  parameters?: number;
  runtime?: { stage?: string; hardware?: { current?: string | null; requested?: string | null } };
  spaceModels?: string[];
  spaceDatasets?: string[];
  files?: { path: string; size: number; lfs: boolean }[];
  filesTruncated?: boolean;
  filesError?: string;
  readme?: string;
  readmeError?: string;
}

/** `base_model:finetune:org/name` → `org/name (finetune)`; plain `base_model:org/name` → `org/name`. */
export function baseModels(tags: readonly string[], cardData: unknown): string[] {
  const fromCard = asList(record(cardData).base_model);
  const relations = new Map<string, string>();
  for (const value of tagValues(tags, 'base_model')) {
    const [first, ...rest] = value.split(':');
    if (rest.length > 0 && first) relations.set(rest.join(':'), first);
    else if (!relations.has(value)) relations.set(value, '');
  }
  const names = [...new Set([...fromCard, ...relations.keys()])];
  return names.map((name) => (relations.get(name) ? `${name} (${relations.get(name)})` : name));
}

function parameterCount(total: number): string {
  if (total >= 1e9) return `${(total / 1e9).toFixed(total >= 1e10 ? 0 : 1)}B`;
  if (total >= 1e6) return `${(total / 1e6).toFixed(total >= 1e7 ? 0 : 1)}M`;
  return formatCount(total);
}

/** The card's prose without front matter, HTML comments and blank runs, cut to `max` characters. */
export function cardSummary(readme: string, max = 1_500): string {
  const body = readme
    .replace(/^\uFEFF?---\r?\n[\s\S]*?\r?\n---\r?\n?/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\r\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return truncateText(body, max);
}

const FILES_SHOWN = 40;

export function formatDetails(details: RepoDetails, hubUrl: string): string {
  const card = record(details.cardData);
  const lines = [`# ${details.kind} ${details.id}`, pageUrl(hubUrl, details.kind, details.id), ''];
  const facts: string[] = [];
  if (details.task) facts.push(`task: ${details.task}`);
  if (details.library) facts.push(`library: ${details.library}`);
  if (details.sdk) facts.push(`sdk: ${details.sdk}`);
  facts.push(`license: ${licenseOf(details.tags, details.cardData) ?? 'not stated'}`);
  facts.push(`access: ${details.private ? 'private' : 'public'}${details.gated ? `, ${gatedLabel(details.gated)}: accept the terms on the page before downloading` : ''}`);
  lines.push(facts.join(' | '));
  const stats = [`likes: ${formatCount(details.likes)}`];
  if (details.kind !== 'space') stats.unshift(`downloads (last 30 days): ${formatCount(details.downloads ?? 0)}`);
  if (details.createdAt) stats.push(`created ${date(details.createdAt)}`);
  if (details.updatedAt) stats.push(`updated ${date(details.updatedAt)}`);
  lines.push(stats.join(' | '));
  if (details.parameters) lines.push(`Parameters: ${parameterCount(details.parameters)} (safetensors)`);
  const base = baseModels(details.tags, details.cardData);
  if (base.length) lines.push(`Base model: ${base.join(', ')}`);
  const datasets = [...new Set([...asList(card.datasets), ...tagValues(details.tags, 'dataset')])];
  if (datasets.length) lines.push(`Datasets: ${truncateText(datasets.join(', '), 300)}`);
  const languages = [...new Set([...asList(card.language), ...tagValues(details.tags, 'language')])];
  if (languages.length) lines.push(`Languages: ${truncateText(languages.join(', '), 200)}`);
  if (details.kind === 'dataset') {
    const size = asList(card.size_categories)[0] ?? tagValues(details.tags, 'size_categories')[0];
    const tasks = [...new Set([...asList(card.task_categories), ...tagValues(details.tags, 'task_categories')])];
    if (tasks.length) lines.push(`Task categories: ${tasks.join(', ')}`);
    if (size) lines.push(`Size category: ${size}`);
  }
  if (details.runtime?.stage) lines.push(`Runtime: ${details.runtime.stage}${details.runtime.hardware?.current ? ` on ${details.runtime.hardware.current}` : ''}`);
  if (details.spaceModels?.length) lines.push(`Uses models: ${truncateText(details.spaceModels.join(', '), 300)}`);
  if (details.spaceDatasets?.length) lines.push(`Uses datasets: ${truncateText(details.spaceDatasets.join(', '), 300)}`);
  const shownTags = details.tags.filter((tag) => !/^(license|base_model|dataset|language|region|arxiv):/.test(tag));
  if (shownTags.length) lines.push(`Tags: ${truncateText(shownTags.join(', '), 400)}`);
  if (details.description) lines.push('', oneLine(details.description, 600));

  lines.push('');
  if (details.files) {
    const files = [...details.files].sort((left, right) => right.size - left.size);
    const total = files.reduce((sum, file) => sum + file.size, 0);
    lines.push(`## Files (${files.length}${details.filesTruncated ? '+' : ''}, ${formatBytes(total)}${details.filesTruncated ? ' counted' : ' total'})`);
    for (const file of files.slice(0, FILES_SHOWN)) lines.push(`- ${file.path}  ${formatBytes(file.size)}${file.lfs ? '  [LFS]' : ''}`);
    if (files.length > FILES_SHOWN) lines.push(`- … ${files.length - FILES_SHOWN} smaller files (list them all with hf_repo_files list)`);
  } else lines.push('## Files', `Not available: ${details.filesError ?? 'unknown error'}`);

  lines.push('', '## Card');
  if (details.readme !== undefined) lines.push(cardSummary(details.readme) || '(the README has only metadata)');
  else lines.push(details.readmeError ?? 'No README.md.');
  if (details.kind === 'dataset') lines.push('', `Check its columns and training format with hf_inspect_dataset (dataset "${details.id}").`);
  return lines.join('\n');
}
