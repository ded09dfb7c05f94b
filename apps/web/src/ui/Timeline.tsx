import { useEffect, useRef } from 'react';
import type { TimelineItem, ViewState } from '../state/reducer.js';
import { formatUsd } from './format.js';
import { Markdown } from './Markdown.js';
import { ToolCardView } from './ToolCardView.js';

const REASON: Record<string, string> = {
  max_iterations: 'Stopped at the iteration limit',
  truncated: 'The answer hit the output limit',
  budget_exceeded: 'Stopped: the budget is spent',
  loop_detected: 'Stopped: the agent was repeating itself',
  refusal: 'The model refused',
  interrupted: 'Interrupted',
};

function Item({ item, view }: { item: TimelineItem; view: ViewState }) {
  switch (item.kind) {
    case 'user':
      return (
        <div className="msg user">
          <div className="bubble">
            <p>{item.text}</p>
            {item.images.map((image, index) => (
              <img key={index} src={`data:${image.mediaType};base64,${image.data}`} alt={`attachment ${index + 1}`} />
            ))}
          </div>
        </div>
      );
    case 'assistant':
      return (
        <div className={`msg assistant${item.streaming ? ' streaming' : ''}`}>
          {item.reasoning && (
            <details className="reasoning">
              <summary>Reasoning</summary>
              <Markdown text={item.reasoning} />
            </details>
          )}
          <Markdown text={item.text} />
        </div>
      );
    case 'tool': {
      const card = view.tools[item.toolCallId];
      return card ? <ToolCardView card={card} /> : null;
    }
    case 'notice':
      return <div className={`notice notice-${item.level}`}>{item.text}</div>;
    case 'turn_end':
      return (
        <div className="turn-end muted">
          {REASON[item.reason] ?? item.reason} · {formatUsd(item.costUsd)}
        </div>
      );
  }
}

export function Timeline({ view }: { view: ViewState }) {
  const end = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useEffect(() => {
    const onScroll = () => {
      pinned.current = window.innerHeight + window.scrollY >= document.body.scrollHeight - 120;
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => window.removeEventListener('scroll', onScroll);
  }, []);
  useEffect(() => {
    if (pinned.current) end.current?.scrollIntoView({ block: 'end' });
  });
  return (
    <div className="timeline" aria-live="polite">
      {view.status === 'connecting' && view.items.length === 0 && <p className="muted">Connecting…</p>}
      {view.items.map((item) => (
        <Item key={item.key} item={item} view={view} />
      ))}
      {view.status === 'running' && (
        <div className="working muted" aria-label="working">
          <span className="spinner" /> working…
        </div>
      )}
      <div ref={end} />
    </div>
  );
}
