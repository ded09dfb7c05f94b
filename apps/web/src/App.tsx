import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { AgentEvent } from '@ml-intern/events';
import { api, followEvents, type ApprovalDecision, type ClientOperation, type Me, type SessionDetails, type SessionSummary, type StreamStatus } from './api.js';
import { applyConversation, applyImages, applySentImages } from './state/history.js';
import { applyEvent, initialState, type InlineImage, type ViewState } from './state/reducer.js';
import { ApprovalCard } from './ui/ApprovalCard.js';
import { Composer } from './ui/Composer.js';
import { Header } from './ui/Header.js';
import { RewindPanel } from './ui/RewindPanel.js';
import { Sidebar } from './ui/Sidebar.js';
import { Timeline } from './ui/Timeline.js';

type Action =
  | { kind: 'event'; event: AgentEvent }
  | { kind: 'details'; details: SessionDetails }
  | { kind: 'sent'; text: string; images: InlineImage[] }
  | { kind: 'reset'; sessionId?: string };

function viewReducer(state: ViewState, action: Action): ViewState {
  switch (action.kind) {
    case 'event':
      return applyEvent(state, action.event);
    case 'details': {
      const { details } = action;
      const next = applyImages(state.forkedFrom ? applyConversation(state, details.messages) : state, details.messages);
      const window = details.context?.window;
      // Older than the events already shown (an approval_mode_changed since): the events win.
      const current = details.last_seq === undefined || details.last_seq >= state.lastSeq;
      return {
        ...next,
        ...(window && !next.contextWindow ? { contextWindow: window } : {}),
        ...(typeof details.context?.tokens === 'number' && next.contextTokens === 0 ? { contextTokens: details.context.tokens } : {}),
        ...(current && details.approval_mode ? { approvalMode: details.approval_mode } : {}),
        ...(current && details.budget_usd !== undefined ? { budgetUsd: details.budget_usd } : {}),
      };
    }
    case 'sent':
      return applySentImages(state, action.text, action.images);
    case 'reset':
      return initialState(action.sessionId);
  }
}

function sessionFromHash(): string | undefined {
  const match = /^#\/s\/([\w.:-]+)$/.exec(window.location.hash);
  return match?.[1];
}

export function App() {
  const [sessionId, setSessionId] = useState<string | undefined>(sessionFromHash);
  const [view, dispatch] = useReducer(viewReducer, sessionId, initialState);
  const [stream, setStream] = useState<{ status: StreamStatus; detail?: string | undefined }>({ status: 'connecting' });
  const [sessions, setSessions] = useState<SessionSummary[]>();
  const [problem, setProblem] = useState<string>();
  const [drawer, setDrawer] = useState(false);
  const [busy, setBusy] = useState(false);
  const [rewinding, setRewinding] = useState(false);
  const [me, setMe] = useState<Me>();
  useEffect(() => {
    api
      .me()
      .then(setMe)
      .catch(() => undefined);
  }, []);
  const lastSeq = useRef(-1);
  lastSeq.current = view.lastSeq;

  useEffect(() => {
    const onHash = () => setSessionId(sessionFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const refreshSessions = useCallback(() => {
    api
      .listSessions()
      .then(setSessions)
      .catch((error: unknown) => setProblem(error instanceof Error ? error.message : String(error)));
  }, []);
  // The list again when the open session changes or a turn ends (its preview and time move on).
  useEffect(refreshSessions, [refreshSessions, sessionId, view.turnsEnded]);

  // One event stream per open session; a reload starts over and the server replays everything.
  useEffect(() => {
    setRewinding(false);
    dispatch({ kind: 'reset', ...(sessionId ? { sessionId } : {}) });
    lastSeq.current = -1;
    if (!sessionId) return undefined;
    return followEvents({
      sessionId,
      lastSeq: () => lastSeq.current,
      onEvent: (event) => dispatch({ kind: 'event', event }),
      onStatus: (status, detail) => setStream({ status, detail }),
    });
  }, [sessionId]);

  // The context window and approval mode come from the session itself; a forked session's earlier
  // conversation and the images of the conversation too (events do not carry them). Asked once the
  // session has started, and again after each turn.
  const started = view.model !== undefined;
  useEffect(() => {
    if (!sessionId || !started) return;
    api
      .getSession(sessionId)
      .then((details) => dispatch({ kind: 'details', details }))
      .catch(() => undefined);
  }, [sessionId, started, view.forkedFrom, view.turnsEnded]);

  const open = (id: string | undefined) => {
    setDrawer(false);
    window.location.hash = id ? `#/s/${id}` : '';
    setSessionId(id);
  };

  const run = async <T,>(work: () => Promise<T>): Promise<T | undefined> => {
    setProblem(undefined);
    try {
      return await work();
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
      return undefined;
    }
  };

  const submit = (operation: ClientOperation) => (sessionId ? run(() => api.submit(sessionId, operation)) : Promise.resolve(undefined));

  const send = async (text: string, images: { mediaType: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp'; data: string }[]) => {
    setBusy(true);
    try {
      let id = sessionId;
      if (!id) {
        id = await run(() => api.createSession());
        if (!id) return false;
        open(id);
      }
      const target = id;
      const ok = await run(async () => {
        await api.submit(target, { type: 'user_input', text, ...(images.length ? { images: images.map((image) => ({ type: 'image' as const, ...image })) } : {}) });
        dispatch({ kind: 'sent', text, images });
        return true;
      });
      return ok === true;
    } finally {
      setBusy(false);
    }
  };

  const decide = async (decision: ApprovalDecision) => {
    if (!sessionId) return;
    await api.submit(sessionId, { type: 'exec_approval', decisions: [decision] });
  };


  const endSession = async () => {
    if (!sessionId) return;
    await run(() => api.deleteSession(sessionId));
    refreshSessions();
  };

  const running = view.status === 'running' || view.status === 'awaiting_approval';
  return (
    <div className={`app${drawer ? ' drawer-open' : ''}`}>
      <Header
        view={view}
        stream={sessionId ? stream : undefined}
        user={me?.user ?? undefined}
        onSignOut={() => void run(api.signOut).then(() => window.location.reload())}
        onMenu={() => setDrawer(!drawer)}
        onInterrupt={() => void submit({ type: 'interrupt' })}
        onApprovalMode={(mode, budget) => submit({ type: 'set_approval_mode', mode, ...(budget !== undefined ? { budget_usd: budget } : {}) })}
      />
      <Sidebar
        sessions={sessions}
        current={sessionId}
        plan={view.plan}
        onNew={() => open(undefined)}
        onOpen={(summary) => open(summary.id)}
        onRefresh={refreshSessions}
        onCompact={sessionId ? () => void submit({ type: 'compact' }) : undefined}
        onUndo={sessionId ? () => void submit({ type: 'undo' }) : undefined}
        onRewind={
          sessionId && view.status !== 'ended' && view.status !== 'closed'
            ? () => {
                setDrawer(false);
                setRewinding(true);
              }
            : undefined
        }
        onEnd={sessionId && view.status !== 'ended' ? () => void endSession() : undefined}
        onClose={() => setDrawer(false)}
      />
      <main className="chat">
        {problem && (
          <div className="banner error" role="alert">
            {problem}
            <button type="button" className="link" onClick={() => setProblem(undefined)}>
              dismiss
            </button>
          </div>
        )}
        {sessionId && stream.status === 'closed' && stream.detail && <div className="banner warn">{stream.detail}</div>}
        {!sessionId ? (
          <div className="welcome">
            <h1>What should the intern work on?</h1>
            <p className="muted">Describe an ML task: find a model or dataset, write and run a training script, launch an HF Job and follow it. Calls that cost money or change things wait for your approval.</p>
          </div>
        ) : (
          <Timeline view={view} />
        )}
        {view.pending.length > 0 && (
          <div className="approvals" aria-label="Approvals">
            {view.pending.map((pending) => (
              <ApprovalCard key={pending.tool_call_id} pending={pending} onDecide={decide} />
            ))}
          </div>
        )}
        {rewinding && sessionId && (
          <RewindPanel
            sessionId={sessionId}
            running={running}
            onClose={() => setRewinding(false)}
            onRewind={(turn, scope) => {
              setRewinding(false);
              void submit({ type: 'rewind', turn, ...scope });
            }}
          />
        )}
        {view.ended && <div className="banner warn">{view.ended}</div>}
        {view.status === 'closed' && <div className="banner warn">This session is closed; its log is kept. Send a message to reopen it where it left off.</div>}
        <Composer disabled={view.status === 'ended' || busy} running={running} onSend={send} onInterrupt={() => void submit({ type: 'interrupt' })} />
      </main>
    </div>
  );
}
