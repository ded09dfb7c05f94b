import { useEffect, useRef, useState } from 'react';
import type { StreamStatus } from '../api.js';
import type { ViewState } from '../state/reducer.js';
import { formatTokens, formatUsd } from './format.js';

const STATUS_LABEL: Record<ViewState['status'], string> = {
  connecting: 'connecting',
  idle: 'ready',
  running: 'working',
  awaiting_approval: 'needs approval',
  closed: 'closed',
  ended: 'ended',
};

export function Header({
  view,
  stream,
  user,
  onSignOut,
  onMenu,
  onInterrupt,
  onApprovalMode,
}: {
  view: ViewState;
  stream: { status: StreamStatus; detail?: string | undefined } | undefined;
  /** The person signed in with Hugging Face; absent in token mode. */
  user: { name: string } | undefined;
  onSignOut: () => void;
  onMenu: () => void;
  onInterrupt: () => void;
  onApprovalMode: (mode: string, budgetUsd?: number) => Promise<unknown>;
}) {
  const [yolo, setYolo] = useState(view.approvalMode === 'yolo');
  const [budget, setBudget] = useState(view.budgetUsd ? String(view.budgetUsd) : '5');
  useEffect(() => setYolo(view.approvalMode === 'yolo'), [view.approvalMode]);
  // The cap the session has, unless the field is being edited (what is typed there wins until it is sent).
  const editing = useRef(false);
  useEffect(() => {
    if (typeof view.budgetUsd === 'number' && !editing.current) setBudget(String(view.budgetUsd));
  }, [view.budgetUsd]);

  const parsedBudget = Number(budget);
  const budgetValid = budget.trim() === '' || (Number.isFinite(parsedBudget) && parsedBudget > 0);
  const toggleYolo = async () => {
    const next = !yolo;
    setYolo(next);
    await onApprovalMode(next ? 'yolo' : 'default', next && budget.trim() && budgetValid ? parsedBudget : undefined);
  };
  const running = view.status === 'running' || view.status === 'awaiting_approval';
  const reconnecting = stream && stream.status === 'retrying';
  const contextShare = view.contextWindow ? Math.min(100, (view.contextTokens / view.contextWindow) * 100) : undefined;
  return (
    <header className="topbar">
      <button type="button" className="icon menu" aria-label="Sessions and plan" onClick={onMenu}>
        ☰
      </button>
      <a className="brand" href="#">
        ml-intern
      </a>
      {view.sessionId && (
        <>
          <span className={`status status-${view.status}`} data-status={view.status}>
            <span className="dot" aria-hidden="true" />
            {reconnecting ? 'reconnecting…' : STATUS_LABEL[view.status]}
          </span>
          {view.model && <span className="model muted" title={view.cwd}>{view.model}</span>}
          <span className="spacer" />
          <span className="meter" title={`${view.usage.input_tokens.toLocaleString('en-US')} input, ${view.usage.cached_input_tokens.toLocaleString('en-US')} cached, ${view.usage.output_tokens.toLocaleString('en-US')} output tokens`}>
            <span className="meter-label">cost</span> <strong data-testid="cost">{formatUsd(view.costUsd)}{view.unpriced ? '+' : ''}</strong>
          </span>
          <span className="meter" title="Tokens in the context at the last model call">
            <span className="meter-label">context</span> <strong>{formatTokens(view.contextTokens)}</strong>
            {contextShare !== undefined && (
              <span className="bar" aria-hidden="true">
                <span style={{ width: `${contextShare}%` }} />
              </span>
            )}
          </span>
          <label className={`yolo${yolo ? ' on' : ''}`} title="Approve every call automatically (operations that always need a person still ask)">
            <input type="checkbox" role="switch" checked={yolo} onChange={() => void toggleYolo()} disabled={view.status === 'ended'} />
            yolo
          </label>
          {yolo && (
            <label className="budget">
              cap $
              <input
                type="number"
                min="0"
                step="0.5"
                inputMode="decimal"
                value={budget}
                aria-invalid={!budgetValid}
                onFocus={() => {
                  editing.current = true;
                }}
                onChange={(event) => setBudget(event.target.value)}
                onBlur={() => {
                  editing.current = false;
                  if (budgetValid && budget.trim()) void onApprovalMode('yolo', parsedBudget);
                }}
              />
            </label>
          )}
          {running && (
            <button type="button" className="danger small" onClick={onInterrupt}>
              Stop
            </button>
          )}
        </>
      )}
      {!view.sessionId && <span className="spacer" />}
      {user && (
        <span className="user">
          <span className="user-name">{user.name}</span>
          <button type="button" className="link" onClick={onSignOut}>
            sign out
          </button>
        </span>
      )}
    </header>
  );
}
