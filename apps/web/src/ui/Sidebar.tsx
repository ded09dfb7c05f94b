import type { PlanItem } from '@ml-intern/events';
import type { SessionSummary } from '../api.js';
import { formatUsd, formatWhen } from './format.js';

const PLAN_MARK: Record<PlanItem['status'], string> = { pending: '○', in_progress: '◐', completed: '●' };

export function Sidebar({
  sessions,
  current,
  plan,
  onNew,
  onOpen,
  onRefresh,
  onCompact,
  onUndo,
  onRewind,
  onEnd,
  onClose,
}: {
  sessions: SessionSummary[] | undefined;
  current: string | undefined;
  plan: PlanItem[];
  onNew: () => void;
  onOpen: (session: SessionSummary) => void;
  onRefresh: () => void;
  onCompact: (() => void) | undefined;
  onUndo: (() => void) | undefined;
  /** Opens the rewind panel (turns, what each changed, a preview). */
  onRewind: (() => void) | undefined;
  onEnd: (() => void) | undefined;
  onClose: () => void;
}) {
  return (
    <>
      <div className="scrim" onClick={onClose} aria-hidden="true" />
      <aside className="sidebar">
        {plan.length > 0 && (
          <section className="plan" aria-label="Plan">
            <h2>Plan</h2>
            <ol>
              {plan.map((item) => (
                <li key={item.id} className={`plan-${item.status}`}>
                  <span className="plan-mark" aria-label={item.status}>
                    {PLAN_MARK[item.status]}
                  </span>
                  {item.content}
                </li>
              ))}
            </ol>
          </section>
        )}
        {(onCompact || onUndo || onRewind || onEnd) && (
          <section className="session-actions">
            {onUndo && (
              <button type="button" className="small" onClick={onUndo}>
                Undo turn
              </button>
            )}
            {onRewind && (
              <button type="button" className="small" onClick={onRewind}>
                Rewind…
              </button>
            )}
            {onCompact && (
              <button type="button" className="small" onClick={onCompact}>
                Compact
              </button>
            )}
            {onEnd && (
              <button type="button" className="small" onClick={onEnd}>
                End session
              </button>
            )}
          </section>
        )}
        <section className="sessions" aria-label="Sessions">
          <div className="sessions-head">
            <h2>Sessions</h2>
            <button type="button" className="link" onClick={onRefresh}>
              refresh
            </button>
            <button type="button" className="primary small" onClick={onNew}>
              New
            </button>
          </div>
          {!sessions ? (
            <p className="muted">Loading…</p>
          ) : sessions.length === 0 ? (
            <p className="muted">No sessions yet.</p>
          ) : (
            <ul>
              {sessions.map((session) => (
                <li key={session.id}>
                  <button type="button" className={`session${session.id === current ? ' current' : ''}`} onClick={() => onOpen(session)} data-session={session.id}>
                    <span className="session-title">{session.title || session.preview || session.id}</span>
                    <span className="session-meta muted">
                      {session.live ? <span className="badge live">live</span> : <span className="badge">resume</span>}
                      {session.model && <span>{session.model}</span>}
                      <span>{formatWhen(session.updated_at ?? session.started_at ?? session.created_at)}</span>
                      {session.cost_usd !== undefined && <span>{formatUsd(session.cost_usd)}</span>}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      </aside>
    </>
  );
}
