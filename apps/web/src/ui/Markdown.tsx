import { useMemo } from 'react';
import { highlight, renderMarkdown } from './markdown.js';

export function Markdown({ text, className }: { text: string; className?: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  return <div className={`md ${className ?? ''}`} dangerouslySetInnerHTML={{ __html: html }} />;
}

export function Code({ code, language, className }: { code: string; language?: string | undefined; className?: string }) {
  const html = useMemo(() => highlight(code, language), [code, language]);
  return (
    <pre className={`code ${className ?? ''}`}>
      <code className="hljs" dangerouslySetInnerHTML={{ __html: html }} />
    </pre>
  );
}
