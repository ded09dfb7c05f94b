import { useEffect, useRef, useState } from 'react';
import type { ToolCard } from '../state/reducer.js';
import { guessLanguage } from './markdown.js';
import { codeField, formatDuration } from './format.js';
import { Code } from './Markdown.js';
import { JobPanel } from './JobPanel.js';

const LIVE = new Set(['queued', 'awaiting_approval', 'running']);

function stateLabel(state: string): string {
  return state.replace('_', ' ');
}

/** The arguments: a script or command as highlighted code, the rest as JSON. */
export function Arguments({ args }: { args: unknown }) {
  const code = codeField(args);
  const rest = code && typeof args === 'object' && args !== null ? Object.fromEntries(Object.entries(args).filter(([key]) => key !== code.name)) : args;
  const restText = rest === undefined ? '' : JSON.stringify(rest, null, 2);
  return (
    <div className="args">
      {code && <Code code={code.value} language={guessLanguage(code.value, typeof (args as Record<string, unknown>).path === 'string' ? String((args as Record<string, unknown>).path) : undefined) ?? 'bash'} className="script" />}
      {restText && restText !== '{}' && <Code code={restText} language="json" />}
    </div>
  );
}

export function ToolCardView({ card }: { card: ToolCard }) {
  const live = LIVE.has(card.state);
  // Open while the call runs, folded once it is done (or while its approval card shows the same
  // arguments); a click decides from then on.
  const [chosen, setOpen] = useState<boolean>();
  const open = chosen ?? (card.state === 'running' || card.state === 'queued');
  const logRef = useRef<HTMLPreElement>(null);
  useEffect(() => {
    const element = logRef.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [card.logs.length, open]);
  return (
    <section className={`tool state-${card.state}${card.isError ? ' is-error' : ''}`} data-tool-call={card.id} data-state={card.state}>
      <button type="button" className="tool-head" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="chevron" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        <span className="tool-name">{card.tool}</span>
        <span className="tool-summary">{card.summary !== card.tool ? card.summary : ''}</span>
        <span className={`badge state-${card.state}`}>
          {live && card.state === 'running' && <span className="spinner" aria-hidden="true" />}
          {stateLabel(card.state)}
        </span>
        {card.durationMs !== undefined && <span className="muted duration">{formatDuration(card.durationMs)}</span>}
      </button>
      {card.job && <JobPanel job={card.job} />}
      {open && (
        <div className="tool-body">
          <Arguments args={card.arguments} />
          {card.logs.length > 0 && (
            <pre className="log" ref={logRef} aria-label="log">
              {card.logsDropped > 0 && <span className="muted">… {card.logsDropped} earlier lines{'\n'}</span>}
              {card.logs.map((line) => (
                <span key={line.seq} className={`log-${line.level}`}>
                  {line.message}
                  {'\n'}
                </span>
              ))}
            </pre>
          )}
          {card.output !== undefined && (
            <div className="output">
              <div className="label">
                {card.isError ? 'error' : 'output'}
                {card.truncated && <span className="muted"> (truncated{card.spillPath ? `; full output in ${card.spillPath}` : ''})</span>}
              </div>
              <pre className="output-text">{card.output}</pre>
            </div>
          )}
        </div>
      )}
      {card.images.length > 0 && (
        <div className="images">
          {card.images.map((image, index) => (
            <img key={index} src={`data:${image.mediaType};base64,${image.data}`} alt={`${card.tool} result ${index + 1}`} />
          ))}
        </div>
      )}
    </section>
  );
}
