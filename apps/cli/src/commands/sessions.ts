import { JsonlSessionStore, defaultSessionDir, readSessionLog } from '@ml-intern/context';
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

function renderEvent(event: AgentEvent): string | undefined {
  switch (event.type) {
    case 'session_started':
      return `── session ${event.session_id} · ${event.model} · ${event.cwd}${event.resumed ? ' (resumed)' : ''}`;
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
    default:
      return undefined;
  }
}

/** `ml-intern sessions show <id>`: the conversation, tool calls and results as the CLI showed them, or JSONL. */
export async function showSession(reference: string, options: { json?: boolean }): Promise<number> {
  let file: string;
  try {
    file = store().resolve(reference);
  } catch (error) {
    process.stderr.write(`ml-intern: ${(error as Error).message}\n`);
    return 2;
  }
  const contents = readSessionLog(file);
  for (const warning of contents.warnings) process.stderr.write(`warning: ${warning}\n`);
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
