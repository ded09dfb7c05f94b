import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import diff from 'highlight.js/lib/languages/diff';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked } from 'marked';

hljs.registerLanguage('python', python);
hljs.registerLanguage('bash', bash);
hljs.registerLanguage('json', json);
hljs.registerLanguage('yaml', yaml);
hljs.registerLanguage('diff', diff);
hljs.registerAliases(['sh', 'shell', 'console', 'zsh'], { languageName: 'bash' });
hljs.registerAliases(['py', 'python3'], { languageName: 'python' });
hljs.registerAliases(['yml'], { languageName: 'yaml' });

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);
}

/** Highlighted HTML for a piece of code; `language` may be unknown (then it is guessed among the few loaded). */
export function highlight(code: string, language?: string): string {
  try {
    if (language && hljs.getLanguage(language)) return hljs.highlight(code, { language, ignoreIllegals: true }).value;
    if (code.length < 20_000) return hljs.highlightAuto(code, ['python', 'bash', 'json', 'yaml']).value;
  } catch {
    // fall back to plain text
  }
  return escapeHtml(code);
}

/** The language of a script from its file name or its first line (`#!/bin/bash`, `import torch`). */
export function guessLanguage(text: string, name?: string): string | undefined {
  const extension = name ? /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() : undefined;
  if (extension) {
    const byExtension: Record<string, string> = { py: 'python', sh: 'bash', json: 'json', yaml: 'yaml', yml: 'yaml', diff: 'diff', patch: 'diff' };
    if (byExtension[extension]) return byExtension[extension];
  }
  if (/^#!.*\b(ba|z)?sh\b/.test(text)) return 'bash';
  if (/^#!.*python/.test(text) || /^\s*(import |from \S+ import |def |class )/m.test(text)) return 'python';
  return undefined;
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    code({ text, lang }) {
      const language = (lang ?? '').trim().split(/\s+/)[0]?.toLowerCase();
      return `<pre class="code"><code class="hljs">${highlight(text, language || undefined)}</code></pre>\n`;
    },
  },
});

/** Markdown → sanitised HTML: scripts, event handlers and foreign protocols are removed; links open in a new tab. */
export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown, { async: false });
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, ADD_ATTR: ['target'] });
}

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.getAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});
