import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROVENANCE_TAG, provenanceSection } from './provenance.js';

/** What the model said about the run, filling gaps the folder's files leave. */
export interface ModelCardDetails {
  base_model?: string | undefined;
  dataset?: string | undefined;
  method?: string | undefined;
  /** Workspace path of the training script. */
  training_script?: string | undefined;
}

export interface ModelCardInput {
  repoId: string;
  hubUrl: string;
  /** The folder being uploaded (absolute) and its files (relative posix paths). */
  folder: string;
  files: readonly string[];
  /** The workspace, for `details.training_script`. */
  workspace: string;
  details?: ModelCardDetails | undefined;
  provenance: boolean;
  sessionId?: string | undefined;
}

const MAX_JSON_BYTES = 2 * 1024 * 1024;
const SCRIPT_LINES = 200;
const REPO_ID = /^[\w.-]+\/[\w.-]+$/;

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    if (statSync(file).size > MAX_JSON_BYTES) return undefined;
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function readText(file: string): string | undefined {
  try {
    return statSync(file).size > MAX_JSON_BYTES ? undefined : readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** Final numbers of the run: `*_results.json`, else the last logged values of `trainer_state.json`. */
function metricsOf(folder: string, files: readonly string[]): Record<string, number> {
  const metrics: Record<string, number> = {};
  const take = (record: Record<string, unknown> | undefined) => {
    for (const [key, value] of Object.entries(record ?? {})) if (typeof value === 'number' && Number.isFinite(value) && !(key in metrics)) metrics[key] = value;
  };
  for (const name of ['all_results.json', 'eval_results.json', 'train_results.json']) if (files.includes(name)) take(readJson(path.join(folder, name)));
  if (files.includes('trainer_state.json')) {
    const state = readJson(path.join(folder, 'trainer_state.json'));
    const history = Array.isArray(state?.log_history) ? (state.log_history as Record<string, unknown>[]) : [];
    for (const entry of [...history].reverse()) take(Object.fromEntries(Object.entries(entry).filter(([key]) => /loss|accuracy|reward|runtime|f1|rouge|bleu/.test(key))));
    if (typeof state?.global_step === 'number' && !('global_step' in metrics)) metrics.global_step = state.global_step;
  }
  return metrics;
}

/** Guess base model, dataset and method from a TRL/transformers script. */
function scriptFacts(script: string): ModelCardDetails {
  const dataset = /load_dataset\(\s*["']([\w.-]+\/[\w.-]+)["']/.exec(script)?.[1];
  const base = /(?:from_pretrained\(|model\s*=\s*|model_name(?:_or_path)?\s*=\s*)\s*["']([\w.-]+\/[\w.-]+)["']/.exec(script)?.[1];
  const trainer = /\b(SFT|DPO|GRPO|KTO|ORPO|PPO|Reward)Trainer\b/.exec(script)?.[1];
  const adapter = /load_in_4bit\s*=\s*True|bnb_4bit/.test(script) ? 'QLoRA' : /\bLoraConfig\b/.test(script) ? 'LoRA' : undefined;
  const method = [trainer, adapter].filter(Boolean).join(' with ') || undefined;
  return { ...(base ? { base_model: base } : {}), ...(dataset ? { dataset } : {}), ...(method ? { method } : {}) };
}

function trainingScript(input: ModelCardInput): { name: string; text: string } | undefined {
  const given = input.details?.training_script;
  if (given) {
    const file = path.resolve(input.workspace, given);
    const inside = !path.relative(input.workspace, file).startsWith('..');
    const content = inside ? readText(file) : undefined;
    if (content !== undefined) return { name: path.basename(file), text: content };
  }
  const scripts = input.files.filter((file) => /^[^/]+\.py$/.test(file)).sort((left, right) => Number(/^train/.test(right)) - Number(/^train/.test(left)));
  const first = scripts[0];
  const content = first ? readText(path.join(input.folder, first)) : undefined;
  return first && content !== undefined ? { name: first, text: content } : undefined;
}

/** Whether a folder looks like model weights or an adapter (a card is written for those). */
export function isModelFolder(files: readonly string[]): boolean {
  return files.some((file) => /^(?:config\.json|adapter_config\.json)$/.test(file) || /\.(?:safetensors|bin|gguf|pt|pth)$/.test(file));
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/\.?0+$/, '');
}

/**
 * A model card for an uploaded folder without a README: base model, dataset and method (from
 * `adapter_config.json`, `config.json`, the training script, or what the model said), the run's
 * final metrics, and the training script itself.
 */
export function buildModelCard(input: ModelCardInput): string {
  const adapter = input.files.includes('adapter_config.json') ? readJson(path.join(input.folder, 'adapter_config.json')) : undefined;
  const config = input.files.includes('config.json') ? readJson(path.join(input.folder, 'config.json')) : undefined;
  const script = trainingScript(input);
  const fromScript = script ? scriptFacts(script.text) : {};
  const configBase = text(config?._name_or_path);
  const baseModel = text(input.details?.base_model) ?? text(adapter?.base_model_name_or_path) ?? fromScript.base_model ?? (configBase && REPO_ID.test(configBase) ? configBase : undefined);
  const dataset = text(input.details?.dataset) ?? fromScript.dataset;
  const peft = text(adapter?.peft_type);
  const method = text(input.details?.method) ?? fromScript.method ?? (peft ? peft.replace('LORA', 'LoRA') : undefined);
  const libraryName = adapter ? 'peft' : 'transformers';
  const tags = [...(input.provenance ? [PROVENANCE_TAG] : []), ...(method ? method.toLowerCase().split(/\s+with\s+/).map((one) => one.trim().replace(/\s+/g, '-').replace(/[^a-z0-9-]/g, '')) : []), ...(script && /\btrl\b/.test(script.text) ? ['trl'] : [])];
  const front = ['---', ...(baseModel ? [`base_model: ${baseModel}`] : []), ...(dataset ? ['datasets:', `- ${dataset}`] : []), `library_name: ${libraryName}`, ...(tags.length ? ['tags:', ...[...new Set(tags)].map((tag) => `- ${tag}`)] : []), '---'];
  const name = input.repoId.split('/')[1] ?? input.repoId;
  const link = (id: string, kind: 'model' | 'dataset') => `[${id}](${input.hubUrl}/${kind === 'dataset' ? 'datasets/' : ''}${id})`;
  const summary = `This model${baseModel ? ` is a fine-tuned version of ${link(baseModel, 'model')}` : ''}${dataset ? ` trained on ${link(dataset, 'dataset')}` : ''}${method ? ` with ${method}` : ''}.`;
  const lines = [...front, '', `# ${name}`, '', summary, '', '## Training', ''];
  lines.push(`- Base model: ${baseModel ?? 'not recorded'}`, `- Dataset: ${dataset ?? 'not recorded'}`, `- Method: ${method ?? 'not recorded'}`);
  if (adapter && typeof adapter.r === 'number') lines.push(`- Adapter: rank ${adapter.r}${typeof adapter.lora_alpha === 'number' ? `, alpha ${adapter.lora_alpha}` : ''}${Array.isArray(adapter.target_modules) ? `, modules ${(adapter.target_modules as unknown[]).join(', ')}` : ''}`);
  const metrics = metricsOf(input.folder, input.files);
  if (Object.keys(metrics).length) {
    lines.push('', '## Results', '', '| metric | value |', '|---|---|');
    for (const [key, value] of Object.entries(metrics).slice(0, 30)) lines.push(`| ${key} | ${formatNumber(value)} |`);
  }
  if (script) {
    const scriptLines = script.text.replace(/\s+$/, '').split('\n');
    lines.push('', '## Training script', '', `\`${script.name}\`${scriptLines.length > SCRIPT_LINES ? ` (first ${SCRIPT_LINES} of ${scriptLines.length} lines)` : ''}:`, '', '```python', ...scriptLines.slice(0, SCRIPT_LINES), '```');
  }
  lines.push('');
  if (input.provenance) lines.push(provenanceSection('model', input.repoId, input.hubUrl, { ...(input.sessionId ? { sessionId: input.sessionId } : {}), libraryName }));
  return lines.join('\n');
}
