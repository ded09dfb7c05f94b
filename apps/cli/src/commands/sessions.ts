import { JsonlSessionStore, defaultSessionDir, readSessionLog, type SessionRecord } from '@ml-intern/context';
import type { AgentEvent } from '@ml-intern/events';

function store(): JsonlSessionStore {
  return new JsonlSessionStore(defaultSessionDir(process.env));
}

/** `ml-intern sessions`: newest first, with the first user message as preview. */
export function listSessions(): number {
  const sessions = store().list();
  if (sessions.length === 0) {
    process.stdout.write(`No saved sessions in ${store().dir}.\n`);
    return 0;
  }
  for (const session of sessions) {
    const when = session.modifiedAt.toISOString().replace('T', ' ').slice(0, 16);
    process.stdout.write(`${session.id.slice(0, 8)}  ${when}  ${session.model.padEnd(28)}  ${session.preview || '(no message)'}\n`);
  }
  process.stdout.write(`\nResume with: ml-intern --resume <id>   Replay with: ml-intern sessions show <id>\n`);
  return 0;
}

const UNITS_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d`, `12h`, `90m`, `2w`, `45s` → milliseconds; undefined when it is none of those. */
export function parseAge(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * (UNITS_MS[(match[2] as string).toLowerCase()] as number);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** `ml-intern sessions prune [--older-than 30d] [--dry-run]`: old logs go with their spill files and scratch. */
export function pruneSessions(options: { olderThan?: string; dryRun?: boolean }): number {
  const olderThanMs = parseAge(options.olderThan ?? '30d');
  if (olderThanMs === undefined) {
    process.stderr.write(`ml-intern: --older-than expects an age such as 30d, 12h or 90m, found "${options.olderThan}"\n`);
    return 2;
  }
  const sessions = store();
  const result = sessions.prune({ olderThanMs, ...(options.dryRun ? { dryRun: true } : {}) });
  const verb = options.dryRun ? 'Would remove' : 'Removed';
  for (const item of result.removed) process.stdout.write(`${options.dryRun ? 'would remove' : 'removed'}  ${item.id}  ${item.modifiedAt.toISOString().replace('T', ' ').slice(0, 16)}  ${formatBytes(item.bytes)}\n`);
  for (const item of result.inUse) process.stdout.write(`kept     ${item.id}  (in use by pid ${item.holder.pid})\n`);
  process.stdout.write(`${verb} ${result.removed.length} session${result.removed.length === 1 ? '' : 's'} older than ${options.olderThan ?? '30d'} from ${sessions.dir} (${formatBytes(result.bytes)}).\n`);
  return 0;
}

function renderEvent(event: AgentEvent): string | undefined {
  switch (event.type) {
    case 'session_started':
      return `── session ${event.session_id} · ${event.model} · ${event.cwd}${event.forked_from ? ` (resumed from ${event.forked_from})` : event.resumed ? ' (resumed)' : ''}`;
    case 'processing':
      return `\n> ${event.input}`;
    case 'assistant_message':
      return event.text ? `\n${event.text}` : undefined;
    case 'tool_call':
      return `→ ${event.summary}`;
    case 'tool_output': {
      const lines = event.output.split('\n');
      const preview = lines.slice(0, 3).map((line) => `  │ ${line}`).join('\n');
      return `${preview}${lines.length > 3 ? `\n  │ … ${lines.length - 3} more lines` : ''}${event.is_error ? '  (error)' : ''}`;
    }
    case 'approval_required':
      return event.tools.map((tool) => `? approval: ${tool.summary} — ${tool.reason}`).join('\n');
    case 'plan_update':
      return `plan: ${event.plan.map((item) => `[${item.status === 'completed' ? 'x' : item.status === 'in_progress' ? '~' : ' '}] ${item.content}`).join('  ')}`;
    case 'compacted':
      return `(compacted ${event.tokens_before} → ${event.tokens_after} tokens)`;
    case 'turn_complete':
      return `── turn complete (${event.reason}, ${event.iterations} iterations, $${event.cost_usd.toFixed(4)})`;
    case 'error':
      return `error: ${event.message}`;
    case 'interrupted':
      return '── interrupted';
    case 'loop_detected':
      return `loop detected: ${event.tools.join(' → ')} (${event.action})`;
    case 'session_terminated':
      return `── terminated: ${event.message}`;
    case 'remote_effect':
      return `  (outside the workspace: ${event.summary}${event.failed ? ', failed' : ''})`;
    case 'rewind_complete':
      return `── rewound to before turn ${event.turn} (${[event.code ? `${event.files_restored.length} files restored` : '', event.conversation ? `${event.messages_removed} messages removed` : ''].filter(Boolean).join(', ')})`;
    default:
      return undefined;
  }
}

/**
 * `sessions show <id> --diff`: what the session changed in its workspace, from the state before
 * its first checkpointed change to the last state its checkpoints recorded (a rewind included).
 */
async function showDiff(records: readonly SessionRecord[], id: string): Promise<number> {
  const first = records.find((record) => record.kind === 'event' && record.event.type === 'checkpoint' && record.event.reason === 'before_change');
  const checkpoint = first?.kind === 'event' && first.event.type === 'checkpoint' ? first.event : undefined;
  if (!checkpoint) {
    process.stdout.write(`Session ${id} has no checkpoints: it changed no file in a local workspace (or ran before checkpoints were kept).\n`);
    return 0;
  }
  const { createGitCheckpoints } = await import('@ml-intern/sandbox');
  const checkpoints = createGitCheckpoints();
  const latest = await checkpoints.latest(checkpoint.repository).catch(() => undefined);
  if (!latest) {
    process.stderr.write(`ml-intern: the checkpoints of session ${id} are gone (${checkpoint.repository} was removed, e.g. by \`sessions prune\`)\n`);
    return 1;
  }
  const stat = await checkpoints.diff(checkpoint.repository, checkpoint.commit, latest, { stat: true });
  if (!stat.trim()) {
    process.stdout.write(`Session ${id} left its workspace as it found it.\n`);
    return 0;
  }
  const cwd = contentsCwd(records);
  process.stdout.write(`Changes session ${id} made${cwd ? ` in ${cwd}` : ''}:\n${stat}\n`);
  process.stdout.write(await checkpoints.diff(checkpoint.repository, checkpoint.commit, latest));
  return 0;
}

function contentsCwd(records: readonly SessionRecord[]): string | undefined {
  const started = records.find((record) => record.kind === 'event' && record.event.type === 'session_started');
  return started?.kind === 'event' && started.event.type === 'session_started' ? started.event.cwd : undefined;
}

/** `ml-intern sessions show <id>`: the conversation, tool calls and results as the CLI showed them, or JSONL. */
export async function showSession(reference: string, options: { json?: boolean; diff?: boolean }): Promise<number> {
  let file: string;
  try {
    const resolved = store().resolveWithWarnings(reference);
    file = resolved.file;
    // `last` never passes over a newer log silently: say which ones it skipped, and why.
    for (const warning of resolved.warnings) process.stderr.write(`warning: ${warning}\n`);
  } catch (error) {
    process.stderr.write(`ml-intern: ${(error as Error).message}\n`);
    return 2;
  }
  const contents = readSessionLog(file);
  for (const warning of contents.warnings) process.stderr.write(`warning: ${warning}\n`);
  if (options.diff) return showDiff(contents.records, contents.header.id);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ kind: 'header', ...contents.header })}\n`);
    for (const record of contents.records) process.stdout.write(`${JSON.stringify(record)}\n`);
    return 0;
  }
  for (const record of contents.records) {
    if (record.kind !== 'event') continue;
    const line = renderEvent(record.event);
    if (line !== undefined) process.stdout.write(`${line}\n`);
  }
  return 0;
}
