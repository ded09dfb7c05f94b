/**
 * Redaction of streamed text (command output, spill files) that holds across chunk boundaries.
 *
 * A secret can arrive split over two chunks (`…hf_AbCd` + `EfGh…`), and a keyword rule needs the
 * key and its value together. The stream redactor therefore emits only text that can no longer
 * change: complete lines (every rule is line-local, so a line's redaction is final once its newline
 * has arrived), and holds back
 * - the current partial line, up to `maxLineChars`; past that, it is cut at whitespace at least
 *   `tailChars` before its end, never inside a secret, and the text before the cut is kept as
 *   lookbehind context so a key emitted before the cut still marks the value after it;
 * - an open `-----BEGIN … PRIVATE KEY-----` block until its END line, up to `maxHoldChars`.
 * Concatenated, the output equals `redact(whole text)` whenever no line is longer than
 * `maxLineChars`.
 *
 * Held text comes out on the next newline or on `flush()` (call it when the stream ends; calling
 * it earlier may emit the start of a secret whose rest has not arrived).
 */
import { applySpans, spanFinder, type Redactor } from './redaction.js';

export interface StreamRedactor {
  /** Add a chunk; returns the redacted text that is now final (possibly empty). */
  push(chunk: string): string;
  /** End of stream: returns everything still held, redacted. */
  flush(): string;
}

export interface StreamRedactorOptions {
  /** A partial line longer than this is emitted in part (default 8 KiB). */
  maxLineChars?: number;
  /** What stays held of an over-long partial line (default 1 KiB). */
  tailChars?: number;
  /** Most text held for an unterminated private-key block (default 64 KiB). */
  maxHoldChars?: number;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 10;
}

/** Lookbehind kept after a cut inside a line: longer than any key, scheme or operator. */
const CONTEXT_CHARS = 256;

/**
 * Wrap a redactor for streamed text. With a redactor from `createRedactor` the cut points avoid
 * every secret it would find; any other `(text) => string` redactor is applied to whole lines.
 */
export function createStreamRedactor(redact: Redactor, options: StreamRedactorOptions = {}): StreamRedactor {
  const maxLine = Math.max(256, options.maxLineChars ?? 8 * 1024);
  const tail = Math.min(Math.max(64, options.tailChars ?? 1024), maxLine);
  const maxHold = Math.max(maxLine, options.maxHoldChars ?? 64 * 1024);
  const find = spanFinder(redact);
  let pending = '';
  /** Raw text just before `pending`, already emitted; set only after a cut inside a line. */
  let context = '';

  /** Where `pending` may be cut: everything before it is final. */
  function safeCut(): number {
    let limit = pending.length;
    const begin = pending.lastIndexOf('-----BEGIN');
    if (begin !== -1 && pending.length - begin < maxHold && pending.indexOf('-----END', begin) === -1) {
      // Hold a private-key block (or a header line not complete yet) until its END line.
      const headerEnd = pending.indexOf('\n', begin);
      if (headerEnd === -1 || pending.slice(begin, headerEnd).includes('PRIVATE KEY')) limit = begin;
    }
    const newline = limit === 0 ? -1 : pending.lastIndexOf('\n', limit - 1);
    let cut = newline + 1;
    if (limit - cut > maxLine) {
      const target = limit - tail;
      let space = target;
      while (space > cut && !isBlank(pending.charCodeAt(space - 1))) space -= 1;
      cut = space > cut ? space : target;
    }
    return cut;
  }

  function emit(cut: number, force: boolean): string {
    if (cut <= 0) return '';
    if (!find) {
      const out = redact(pending.slice(0, cut));
      pending = pending.slice(cut);
      return out;
    }
    const full = context + pending;
    const offset = context.length;
    const spans = find(full);
    let end = offset + cut;
    if (!force) {
      // Never cut through a secret: hold the whole of one that reaches past the cut.
      for (let index = 0; index < spans.length; index += 2) {
        const start = spans[index] as number;
        const stop = spans[index + 1] as number;
        if (start < end && stop > end) {
          end = Math.max(offset, start);
          break;
        }
      }
    }
    if (end <= offset) return '';
    const out = applySpans(full, spans, offset, end);
    const atLineStart = full.charCodeAt(end - 1) === 10;
    context = atLineStart ? '' : full.slice(Math.max(0, end - CONTEXT_CHARS), end);
    pending = full.slice(end);
    return out;
  }

  return {
    push(chunk: string): string {
      if (!chunk) return '';
      pending += chunk;
      const cut = safeCut();
      // Text beyond every limit goes out even if it means cutting through a match.
      const force = pending.length > maxHold + maxLine;
      return emit(force ? Math.max(cut, pending.length - tail) : cut, force);
    },
    flush(): string {
      const out = emit(pending.length, true);
      pending = '';
      context = '';
      return out;
    },
  };
}
