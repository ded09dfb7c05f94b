import { useState } from 'react';
import type { PendingApproval } from '@ml-intern/events';
import type { ApprovalDecision } from '../api.js';
import { codeField, formatUsd } from './format.js';
import { guessLanguage } from './markdown.js';
import { Arguments } from './ToolCardView.js';

type Mode = 'choose' | 'reject' | 'edit';

export function ApprovalCard({ pending, onDecide }: { pending: PendingApproval; onDecide: (decision: ApprovalDecision) => Promise<void> }) {
  const [mode, setMode] = useState<Mode>('choose');
  const [feedback, setFeedback] = useState('');
  const field = codeField(pending.arguments);
  const editable = field?.editable ? field : undefined;
  const [draft, setDraft] = useState(() => (editable ? editable.value : JSON.stringify(pending.arguments, null, 2)));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);

  const decide = async (decision: Omit<ApprovalDecision, 'tool_call_id'>) => {
    setBusy(true);
    setError(undefined);
    try {
      await onDecide({ tool_call_id: pending.tool_call_id, ...decision });
      setSent(true);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
      setBusy(false);
    }
  };

  const runEdited = () => {
    if (editable) return decide({ approved: true, edited_arguments: { ...(pending.arguments as Record<string, unknown>), [editable.name]: draft } });
    try {
      const parsed = JSON.parse(draft) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the arguments must be a JSON object');
      return decide({ approved: true, edited_arguments: parsed as Record<string, unknown> });
    } catch (caught) {
      setError(`Cannot run the edit: ${caught instanceof Error ? caught.message : String(caught)}`);
      return undefined;
    }
  };

  return (
    <section className="approval" data-approval={pending.tool_call_id}>
      <header>
        <span className="approval-title">Approve {pending.tool}?</span>
        {pending.estimated_cost_usd !== null && <span className="badge cost">≈ {formatUsd(pending.estimated_cost_usd)}</span>}
      </header>
      <p className="approval-summary">{pending.summary}</p>
      {pending.reason && <p className="muted approval-reason">{pending.reason}</p>}
      {mode === 'edit' ? (
        <div className="editor">
          <label>
            {editable ? `Edit ${editable.name}` : 'Edit arguments (JSON)'}
            <textarea
              value={draft}
              spellCheck={false}
              rows={Math.min(24, Math.max(6, draft.split('\n').length + 1))}
              onChange={(event) => setDraft(event.target.value)}
              data-lang={editable ? guessLanguage(draft) : 'json'}
            />
          </label>
        </div>
      ) : (
        <Arguments args={pending.arguments} />
      )}
      {mode === 'reject' && (
        <label className="feedback">
          Tell the agent why, or what to do instead (optional)
          <textarea value={feedback} rows={3} onChange={(event) => setFeedback(event.target.value)} autoFocus />
        </label>
      )}
      {error && <p className="error-text">{error}</p>}
      {sent && <p className="muted">Answer sent; the calls go on once every one in this batch is answered.</p>}
      <div className="actions">
        {mode === 'choose' && (
          <>
            <button type="button" className="primary" disabled={busy} onClick={() => decide({ approved: true })}>
              Approve
            </button>
            <button type="button" disabled={busy} onClick={() => setMode('reject')}>
              Reject…
            </button>
            <button type="button" disabled={busy} onClick={() => decide({ approved: true, always: true })} title={`Also allow without asking: ${pending.always_scope}`}>
              Always
            </button>
            <button type="button" disabled={busy} onClick={() => setMode('edit')}>
              Edit
            </button>
          </>
        )}
        {mode === 'reject' && (
          <>
            <button type="button" className="danger" disabled={busy} onClick={() => decide({ approved: false, ...(feedback.trim() ? { feedback: feedback.trim() } : {}) })}>
              Reject
            </button>
            <button type="button" disabled={busy} onClick={() => setMode('choose')}>
              Back
            </button>
          </>
        )}
        {mode === 'edit' && (
          <>
            <button type="button" className="primary" disabled={busy} onClick={() => void runEdited()}>
              Run edited
            </button>
            <button type="button" disabled={busy} onClick={() => setMode('choose')}>
              Cancel
            </button>
          </>
        )}
      </div>
      {mode === 'choose' && <p className="muted always-scope">“Always” allows: {pending.always_scope}</p>}
    </section>
  );
}
