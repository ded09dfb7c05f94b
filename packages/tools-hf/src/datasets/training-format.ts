/**
 * Which TRL trainers a dataset fits as it is, read from its column names, feature types and a few
 * sample rows: conversational (`messages` with role/content) or standard (plain text), language
 * modelling, prompt-completion, preference (DPO), prompt-only (GRPO) and unpaired preference (KTO).
 */

type Row = Record<string, unknown>;

const CHAT_KEYS = ['role', 'content', 'tool_calls', 'tool_call_id', 'name', 'function_call'] as const;

/** What a column of chat messages looks like in the sample rows. */
export interface ChatColumn {
  column: string;
  roles: string[];
  keys: string[];
  /** ShareGPT style (`from`/`value`) instead of `role`/`content`. */
  sharegpt: boolean;
  toolCalls: boolean;
  toolResults: boolean;
  /** Sample rows whose last message is not the assistant's. */
  notEndingWithAssistant: number;
  rows: number;
}

function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!text.startsWith('[')) return value;
  try {
    return JSON.parse(text);
  } catch {
    return value;
  }
}

function isMessageList(value: unknown): value is Row[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item) && ('role' in item || 'from' in item));
}

/** Analyse one column of the samples as chat messages; undefined when it is not one. */
export function analyseChatColumn(column: string, rows: readonly Row[]): ChatColumn | undefined {
  const lists = rows.map((row) => parseMaybeJson(row[column])).filter(isMessageList);
  if (lists.length === 0) return undefined;
  const roles = new Set<string>();
  const keys = new Set<string>();
  let sharegpt = false;
  let toolCalls = false;
  let toolResults = false;
  let notEndingWithAssistant = 0;
  for (const messages of lists) {
    for (const message of messages) {
      for (const key of Object.keys(message)) keys.add(key);
      const role = String(message.role ?? message.from ?? '');
      if ('from' in message && !('role' in message)) sharegpt = true;
      if (role) roles.add(role);
      if (message.tool_calls || message.function_call) toolCalls = true;
      if (role === 'tool' || role === 'function' || message.tool_call_id) toolResults = true;
    }
    const last = messages.at(-1) as Row;
    if (!['assistant', 'gpt'].includes(String(last.role ?? last.from ?? ''))) notEndingWithAssistant += 1;
  }
  return { column, roles: [...roles].sort(), keys: [...keys].sort(), sharegpt, toolCalls, toolResults, notEndingWithAssistant, rows: lists.length };
}

/** A compact description of a feature's kind, enough to tell text, chat lists and labels apart. */
type ColumnKind = 'text' | 'chat' | 'bool' | 'number' | 'label' | 'other';

/** The keys of a `List[{…}]` feature's items, when it is one. */
function listItemKeys(feature: unknown): string[] | undefined {
  const record = feature && typeof feature === 'object' ? (feature as Record<string, unknown>) : {};
  const item = Array.isArray(feature) ? feature[0] : record._type === 'List' || record._type === 'Sequence' || record._type === 'LargeList' ? record.feature : undefined;
  return item && typeof item === 'object' && !Array.isArray(item) && !('_type' in item) ? Object.keys(item) : undefined;
}

/** A chat column known from the schema only (no sample rows). */
function chatFromSchema(column: string, feature: unknown): ChatColumn | undefined {
  const keys = listItemKeys(feature);
  if (!keys || !(keys.includes('role') || keys.includes('from'))) return undefined;
  return { column, roles: [], keys: [...keys].sort(), sharegpt: keys.includes('from') && !keys.includes('role'), toolCalls: keys.includes('tool_calls'), toolResults: keys.includes('tool_call_id'), notEndingWithAssistant: 0, rows: 0 };
}

function columnKind(name: string, feature: unknown, rows: readonly Row[]): ColumnKind {
  if (analyseChatColumn(name, rows) || chatFromSchema(name, feature)) return 'chat';
  const record = feature && typeof feature === 'object' && !Array.isArray(feature) ? (feature as Record<string, unknown>) : {};
  if (record._type === 'ClassLabel') return 'label';
  const dtype = String(record.dtype ?? '');
  if (dtype === 'bool') return 'bool';
  if (dtype === 'string' || dtype === 'large_string') return 'text';
  if (/^(u?int|float)/.test(dtype)) return 'number';
  const sample = rows.find((row) => row[name] !== undefined && row[name] !== null)?.[name];
  if (typeof sample === 'string') return 'text';
  if (typeof sample === 'boolean') return 'bool';
  return 'other';
}

export interface FormatVerdict {
  trainer: 'SFT' | 'DPO' | 'GRPO' | 'KTO' | 'Reward';
  fits: boolean;
  how: string;
}

export interface TrainingFormat {
  chat: ChatColumn[];
  verdicts: FormatVerdict[];
  notes: string[];
}

/** Decide, from columns and samples, which trainers the dataset fits and how. */
export function checkTrainingFormat(features: readonly (readonly [string, unknown])[], rows: readonly Row[]): TrainingFormat {
  const kinds = new Map(features.map(([name, feature]) => [name, columnKind(name, feature, rows)] as const));
  for (const name of Object.keys(rows[0] ?? {})) if (!kinds.has(name)) kinds.set(name, columnKind(name, undefined, rows));
  const has = (name: string, ...allowed: ColumnKind[]) => kinds.has(name) && (allowed.length === 0 || allowed.includes(kinds.get(name) as ColumnKind));
  const schema = new Map(features.map(([name, feature]) => [name, feature] as const));
  const chat = [...kinds.entries()].filter(([, kind]) => kind === 'chat').map(([name]) => (analyseChatColumn(name, rows) ?? chatFromSchema(name, schema.get(name))) as ChatColumn);
  const style = (name: string) => (kinds.get(name) === 'chat' ? 'conversational' : 'standard');
  const verdicts: FormatVerdict[] = [];
  const notes: string[] = [];

  const messages = chat.find((column) => column.column === 'messages' && !column.sharegpt);
  if (messages) verdicts.push({ trainer: 'SFT', fits: true, how: 'conversational "messages" column; SFTTrainer applies the tokenizer\'s chat template' });
  else if (has('prompt', 'text', 'chat') && has('completion', 'text', 'chat')) verdicts.push({ trainer: 'SFT', fits: true, how: `prompt-completion (${style('prompt')}): "prompt" + "completion"; the loss is on the completion only by default` });
  else if (has('text', 'text')) verdicts.push({ trainer: 'SFT', fits: true, how: 'language modelling on the "text" column (dataset_text_field="text")' });
  else {
    const other = chat.find((column) => !column.sharegpt);
    const sharegpt = chat.find((column) => column.sharegpt);
    if (other) verdicts.push({ trainer: 'SFT', fits: false, how: `rename "${other.column}" to "messages" (it already holds role/content messages)` });
    else if (sharegpt) verdicts.push({ trainer: 'SFT', fits: false, how: `"${sharegpt.column}" is ShareGPT style (from/value): map it to "messages" with role/content (human→user, gpt→assistant)` });
    else if (has('chosen', 'text', 'chat')) verdicts.push({ trainer: 'SFT', fits: false, how: `needs "messages", "text", or "prompt" + "completion": rename "chosen" to "completion"${has('prompt') ? '' : ' (with the shared prompt split off into "prompt")'} to train on the preferred answers` });
    else verdicts.push({ trainer: 'SFT', fits: false, how: 'needs "messages" (role/content list), "text", or "prompt" + "completion"' });
  }

  if (has('chosen', 'text', 'chat') && has('rejected', 'text', 'chat')) {
    verdicts.push({ trainer: 'DPO', fits: true, how: has('prompt') ? `explicit prompt (${style('chosen')}): "prompt", "chosen", "rejected"` : `implicit prompt (${style('chosen')}): "chosen" and "rejected" both start with the shared prompt` });
    verdicts.push({ trainer: 'Reward', fits: true, how: 'preference pairs "chosen" / "rejected" (RewardTrainer)' });
  } else {
    verdicts.push({ trainer: 'DPO', fits: false, how: 'needs "chosen" and "rejected" (plus "prompt", or a shared prefix)' });
  }

  if (has('prompt', 'text', 'chat')) {
    const extra = [...kinds.keys()].filter((name) => !['prompt', 'completion', 'chosen', 'rejected', 'label'].includes(name));
    verdicts.push({ trainer: 'GRPO', fits: true, how: `prompt-only (${style('prompt')}) "prompt" column${extra.length ? `; reward functions receive the other columns as keyword arguments (${extra.slice(0, 5).join(', ')})` : ''}` });
  } else if (messages) {
    verdicts.push({ trainer: 'GRPO', fits: false, how: 'needs a "prompt" column: take the messages before the last assistant turn as "prompt"' });
  } else {
    verdicts.push({ trainer: 'GRPO', fits: false, how: 'needs a "prompt" column (text or messages)' });
  }

  if (has('prompt', 'text', 'chat') && has('completion', 'text', 'chat') && has('label', 'bool')) verdicts.push({ trainer: 'KTO', fits: true, how: `unpaired preference (${style('prompt')}): "prompt", "completion", boolean "label"` });
  else if (has('chosen') && has('rejected')) verdicts.push({ trainer: 'KTO', fits: false, how: 'needs "prompt", "completion" and a boolean "label"; KTOTrainer can also take the chosen/rejected pairs after unpairing (one row per side)' });
  else verdicts.push({ trainer: 'KTO', fits: false, how: 'needs "prompt", "completion" and a boolean "label"' });

  for (const column of chat) {
    if (column.keys.includes('role') && !column.keys.includes('content')) notes.push(`"${column.column}" messages have no "content" key.`);
    if (column.column === 'messages' && column.notEndingWithAssistant > 0) notes.push(`${column.notEndingWithAssistant} of ${column.rows} sample conversations do not end with an assistant turn (nothing to learn from in those with assistant-only loss).`);
  }
  return { chat, verdicts, notes };
}

function describeChat(column: ChatColumn): string[] {
  const keys = CHAT_KEYS.map((key) => `${key} ${column.keys.includes(key) ? '✓' : '✗'}`).join(', ');
  const seen = column.rows > 0 ? ` in ${column.rows} sample row${column.rows === 1 ? '' : 's'}; roles: ${column.roles.join(', ') || 'unknown'}` : ' (from the schema)';
  const lines = [`- "${column.column}": chat messages${column.sharegpt ? ' (ShareGPT from/value)' : ''}${seen}`, `  keys: ${keys}`];
  if (column.toolCalls || column.toolResults) lines.push(`  tool calls: ${column.toolCalls ? 'yes' : 'no'}, tool results: ${column.toolResults ? 'yes' : 'no'}`);
  return lines;
}

export function formatTrainingFormat(format: TrainingFormat, sampleCount: number): string[] {
  const lines = [`## Training format (TRL, from the schema and ${sampleCount} sample row${sampleCount === 1 ? '' : 's'})`];
  for (const column of format.chat) lines.push(...describeChat(column));
  for (const verdict of format.verdicts) lines.push(`- ${verdict.trainer}: ${verdict.fits ? 'fits' : 'no'} — ${verdict.how}`);
  for (const note of format.notes) lines.push(`- Note: ${note}`);
  return lines;
}
