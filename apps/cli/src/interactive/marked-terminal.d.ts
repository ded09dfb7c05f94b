// marked-terminal 7 ships no type declarations; this is the part of its API the CLI uses.
declare module 'marked-terminal' {
  import type { MarkedExtension } from 'marked';

  /** A marked extension that renders markdown for a terminal. */
  export function markedTerminal(options?: Record<string, unknown>, highlightOptions?: Record<string, unknown>): MarkedExtension;
}
