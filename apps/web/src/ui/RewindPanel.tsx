import { useEffect, useState } from 'react';
import { api, type RewindPreview, type TurnList, type TurnSummary } from '../api.js';

/** What a rewind restores: the workspace files, the conversation, or both. */
export interface RewindScope {
  code: boolean;
  conversation: boolean;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** What a turn changed, one line (`A train.py, M eval.py`). */
function describeChanges(turn: TurnSummary): string {
  if (turn.changes === null) return 'files: not known';
  if (turn.changes.length === 0) return 'no file changes';
  const shown = turn.changes.slice(0, 6).map((change) => `${change.status} ${change.path}`);
  return `${turn.changes.length} file${turn.changes.length === 1 ? '' : 's'}: ${shown.join(', ')}${turn.changes.length > shown.length ? ', …' : ''}`;
}

/** The diff a files rewind would apply, as plain text (never HTML from the diff). */
function PreviewView({ preview }: { preview: RewindPreview | 'loading' | { error: string } }) {
  if (preview === 'loading') return <p className="muted">Loading the preview…</p>;
  if ('error' in preview) return <p className="error-text">Cannot preview the files: {preview.error}</p>;
  if (preview.note) return <p className="muted">{preview.note}</p>;
  return (
    <>
      <p className="label">Restoring the files changes this:</p>
      <pre className="output-text rewind-diff" data-testid="rewind-diff">
        {`${preview.stat.trimEnd()}\n\n${preview.patch}`}
      </pre>
      {preview.truncated && <p className="muted">The diff is cut short here; the rewind restores every file.</p>}
    </>
  );
}

/**
 * Rewind to before a turn, like the CLI's `/rewind`: the turns with what each changed and their
 * effects outside the workspace, a preview of the files restore, then the scope to rewind.
 */
export function RewindPanel({ sessionId, running, onRewind, onClose }: { sessionId: string; running: boolean; onRewind: (turn: number, scope: RewindScope) => void; onClose: () => void }) {
  const [list, setList] = useState<TurnList | { error: string }>();
  const [chosen, setChosen] = useState<TurnSummary>();
  const [preview, setPreview] = useState<RewindPreview | 'loading' | { error: string }>();
  useEffect(() => {
    api
      .listTurns(sessionId)
      .then(setList)
      .catch((error: unknown) => setList({ error: error instanceof Error ? error.message : String(error) }));
  }, [sessionId]);
  const checkpoints = list !== undefined && 'turns' in list && list.checkpoints;
  useEffect(() => {
    if (!chosen || !checkpoints) return undefined;
    let current = true;
    setPreview('loading');
    api
      .previewRewind(sessionId, chosen.turn)
      .then((value) => current && setPreview(value))
      .catch((error: unknown) => current && setPreview({ error: error instanceof Error ? error.message : String(error) }));
    return () => {
      current = false;
    };
  }, [sessionId, chosen, checkpoints]);

  const turns = list && 'turns' in list ? list.turns : [];
  const remote = chosen ? turns.filter((turn) => turn.turn >= chosen.turn).flatMap((turn) => turn.remote_effects.map((effect) => ({ turn: turn.turn, effect }))) : [];
  const rewind = (scope: RewindScope) => chosen && onRewind(chosen.turn, scope);
  return (
    <section className="approval rewind" aria-label="Rewind">
      <header>
        <span className="approval-title">{chosen ? `Rewind to before turn ${chosen.turn}` : 'Rewind to before which turn?'}</span>
        <button type="button" className="link" onClick={onClose}>
          close
        </button>
      </header>
      {!list && <p className="muted">Loading the turns…</p>}
      {list && 'error' in list && <p className="error-text">{list.error}</p>}
      {list && 'turns' in list && turns.length === 0 && <p className="muted">Nothing to rewind yet: no turn has run in this session.</p>}
      {list && 'turns' in list && !checkpoints && turns.length > 0 && <p className="muted">Files are not checkpointed in this session (a remote sandbox): conversation only.</p>}
      {turns.length > 0 && (
        <ol className="rewind-turns">
          {turns.map((turn) => (
            <li key={turn.turn}>
              <button type="button" className={`session rewind-turn${chosen?.turn === turn.turn ? ' current' : ''}`} aria-pressed={chosen?.turn === turn.turn} onClick={() => setChosen(turn)} data-turn={turn.turn}>
                <span className="rewind-head">
                  <strong>{turn.turn}</strong> {truncate(turn.input, 80) || '(no text)'}
                  {!turn.in_conversation && <span className="badge">not in the conversation: files only</span>}
                </span>
                {checkpoints && <span className="muted">{describeChanges(turn)}</span>}
                {turn.remote_effects.map((effect, index) => (
                  <span key={index} className="log-warn">
                    ⚠ remote, cannot be undone: {effect.summary}
                    {effect.failed ? ' (failed)' : ''}
                  </span>
                ))}
              </button>
            </li>
          ))}
        </ol>
      )}
      {chosen && checkpoints && preview && <PreviewView preview={preview} />}
      {chosen && remote.length > 0 && (
        <div className="log-warn">
          These happened outside the workspace and cannot be undone (the model is told):
          <ul>
            {remote.map(({ turn, effect }, index) => (
              <li key={index}>
                turn {turn}: {effect.summary}
              </li>
            ))}
          </ul>
        </div>
      )}
      {chosen && (
        <div className="actions">
          {running && <span className="muted">Stop the turn that is running first.</span>}
          {checkpoints && (
            <button type="button" className="primary" disabled={running || !chosen.in_conversation} onClick={() => rewind({ code: true, conversation: true })}>
              Files and conversation
            </button>
          )}
          {checkpoints && (
            <button type="button" disabled={running} onClick={() => rewind({ code: true, conversation: false })}>
              Files only
            </button>
          )}
          <button type="button" className={checkpoints ? '' : 'primary'} disabled={running || !chosen.in_conversation} onClick={() => rewind({ code: false, conversation: true })}>
            Conversation only
          </button>
          <button type="button" className="link" onClick={onClose}>
            Cancel
          </button>
        </div>
      )}
    </section>
  );
}
