import { previewRewind, turnChanges, type TurnRecord } from '@ml-intern/core';
import type { GitCheckpoints } from '@ml-intern/sandbox';
import type { SlashCommandContext } from './slash-commands.js';
import { submitAndWait } from './submit-and-wait.js';
import { sanitizeTerminalText, truncateText } from './terminal-style.js';

type Print = (lines: string | string[]) => void;

/** The most of a diff preview printed before the user confirms a code rewind. */
const PREVIEW_CHARS = 6_000;

/** What a turn changed in the workspace, one line (`M train.py, A eval.py`). */
async function describeChanges(turn: TurnRecord, checkpoints: GitCheckpoints | undefined): Promise<string | undefined> {
  const changes = checkpoints ? await turnChanges(turn, checkpoints) : undefined;
  if (!changes || changes.length === 0) return undefined;
  const shown = changes.slice(0, 6).map((change) => `${change.status} ${change.path}`);
  return `${changes.length} file${changes.length === 1 ? '' : 's'}: ${shown.join(', ')}${changes.length > shown.length ? ', …' : ''}`;
}

/** The turns, each with what it changed and its remote effects flagged. */
async function listTurns(turns: readonly TurnRecord[], context: SlashCommandContext): Promise<string[]> {
  const { style } = context;
  const lines = [style.bold('Turns')];
  for (const turn of turns) {
    const changed = await describeChanges(turn, context.runtime.checkpoints);
    const head = `  ${style.cyan(String(turn.turn).padStart(3))}  ${truncateText(sanitizeTerminalText(turn.input) || '(no text)', 60)}`;
    lines.push(turn.inConversation ? head : `${head} ${style.dim('(no longer in the conversation: code only)')}`);
    lines.push(`       ${changed ? sanitizeTerminalText(changed) : style.dim(turn.before ? 'files changed, then changed back' : 'no file changes')}`);
    for (const effect of turn.remoteEffects) lines.push(`       ${style.yellow(`⚠ remote, cannot be undone: ${sanitizeTerminalText(effect.summary)}${effect.failed ? ' (failed)' : ''}`)}`);
  }
  return lines;
}

function parseScope(answer: string): { code: boolean; conversation: boolean } | undefined {
  const word = answer.trim().toLowerCase();
  if (word === '' || word === 'b' || word === 'both') return { code: true, conversation: true };
  if (word === 'c' || word === 'code') return { code: true, conversation: false };
  if (word === 'n' || word === 'conversation') return { code: false, conversation: true };
  return undefined;
}

/** The diff that restoring the checkpoint before `turn` would apply to the workspace as it is now. */
async function previewCode(turns: readonly TurnRecord[], turn: number, context: SlashCommandContext): Promise<string[] | undefined> {
  const { runtime, style } = context;
  if (!runtime.checkpoints) return [style.dim('No checkpoint since that turn: the files stay as they are.')];
  const preview = await previewRewind(runtime.checkpoints, runtime.session.checkpointLocation, turns, turn, PREVIEW_CHARS);
  if (preview.kind === 'unchanged') return [style.dim(preview.note)];
  return [style.bold('Restoring the files changes this:'), ...sanitizeTerminalText(preview.stat).trimEnd().split('\n'), '', ...sanitizeTerminalText(preview.patch).trimEnd().split('\n')];
}

/**
 * `/rewind [turn]`: list the turns with what each changed, pick one, restore the code, the
 * conversation or both (after a diff preview), and say which remote effects remain.
 */
export async function rewindCommand(argument: string, context: SlashCommandContext, print: Print): Promise<void> {
  const { runtime, style } = context;
  const session = runtime.session;
  const turns = session.turns();
  if (turns.length === 0) {
    print('Nothing to rewind yet: no turn has run in this session.');
    return;
  }
  let chosen = argument.trim();
  if (!chosen) {
    print(await listTurns(turns, context));
    if (!runtime.checkpoints) print(style.dim('Files are not checkpointed in this session (a remote sandbox): only the conversation can be rewound.'));
    chosen = (await context.ask('Rewind to before which turn? (number, Enter to cancel) › '))?.trim() ?? '';
    if (!chosen) return;
  }
  const turn = Number(chosen);
  const record = turns.find((item) => item.turn === turn);
  if (!Number.isInteger(turn) || !record) {
    print(style.red(`No turn ${sanitizeTerminalText(chosen)}: pick one of ${turns.map((item) => item.turn).join(', ')}.`));
    return;
  }
  const scope = runtime.checkpoints
    ? parseScope((await context.ask('Restore [b]oth code and conversation, [c]ode only, or co[n]versation only? (b) › ')) ?? 'cancel')
    : { code: false, conversation: true };
  if (!scope) return;
  if (scope.conversation && !record.inConversation) {
    print(style.red(`Turn ${turn} is no longer in the conversation (compacted or undone): rewind its code only.`));
    return;
  }
  if (scope.code) {
    const preview = await previewCode(turns, turn, context).catch((error: Error) => [style.red(`Cannot preview the files: ${error.message}`)]);
    if (preview) print(preview);
  }
  const remote = turns.filter((item) => item.turn >= turn).flatMap((item) => item.remoteEffects.map((effect) => `  turn ${item.turn}: ${sanitizeTerminalText(effect.summary)}`));
  if (remote.length > 0) print([style.yellow('These happened outside the workspace and cannot be undone (the model is told):'), ...remote]);
  const confirm = (await context.ask(`Rewind ${scope.code && scope.conversation ? 'code and conversation' : scope.code ? 'code' : 'conversation'} to before turn ${turn}? [y/N] › `))?.trim().toLowerCase();
  if (confirm !== 'y' && confirm !== 'yes') {
    print(style.dim('Nothing was rewound.'));
    return;
  }
  const event = await submitAndWait(session, { type: 'rewind', turn, ...scope }, (item) => item.type === 'rewind_complete' || item.type === 'error', context.signal);
  if (event?.type !== 'rewind_complete') return;
  const parts: string[] = [];
  if (event.code) parts.push(`${event.files_restored.length} file${event.files_restored.length === 1 ? '' : 's'} restored`);
  if (event.conversation) parts.push(`${event.messages_removed} message${event.messages_removed === 1 ? '' : 's'} removed`);
  print(`Rewound to before turn ${turn}: ${parts.join(', ')}.`);
}
