import type { PendingApproval } from '@ml-intern/events';
import { editableArguments } from './edit-arguments.js';

/** What editing a pending call gave: new arguments, nothing changed, or why it failed. */
export type EditOutcome = { arguments: Record<string, unknown>; label: string } | { unchanged: true; label: string } | { error: string };

/**
 * Open the call's script, command or arguments in `$VISUAL` / `$EDITOR` (vim when neither is
 * set) and read the result back. The caller hands the terminal over (LineReader.suspend).
 */
export async function editInEditor(pending: PendingApproval): Promise<EditOutcome> {
  const editable = editableArguments(pending);
  // Loaded on first use: its character-set detection is large and most sessions never edit.
  const { ExternalEditor } = await import('@inquirer/external-editor');
  const editor = new ExternalEditor(editable.text, { prefix: 'ml-intern-', postfix: editable.postfix });
  let text: string;
  try {
    text = await editor.runAsync();
  } catch (error) {
    const cause = (error as { originalError?: unknown }).originalError ?? error;
    return { error: `could not open the editor "${editor.editor.bin}" (${(cause as Error).message ?? String(cause)}); set $VISUAL or $EDITOR to one that is installed` };
  }
  if (editor.lastExitStatus !== 0) return { error: `the editor exited with status ${editor.lastExitStatus}, so the edit was discarded` };
  if (text === editable.text) return { unchanged: true, label: editable.label };
  const applied = editable.apply(text);
  return 'error' in applied ? applied : { arguments: applied.arguments, label: editable.label };
}
