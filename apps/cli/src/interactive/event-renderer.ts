import type { AgentEvent, EventOf, PlanItem } from '@ml-intern/events';
import { collapseOutput } from './collapse-output.js';
import { formatPlan } from './format-plan.js';
import { LiveTail } from './live-tail.js';
import type { MarkdownRender } from './markdown-renderer.js';
import { MarkdownStream } from './markdown-stream.js';
import type { ScreenWriter } from './screen-writer.js';
import type { InlineImages } from './terminal-images.js';
import { sanitizeTerminalText, truncateText, type TerminalStyle } from './terminal-style.js';

/** Where and how the event renderer prints. */
export interface EventRendererOptions {
  writer: ScreenWriter;
  style: TerminalStyle;
  /** Markdown for a terminal; without it, assistant text is printed as it streams, verbatim. */
  markdown?: MarkdownRender;
  /** Lines of tool output shown before "… N more lines" (default 3). */
  outputLines?: number;
  /** Redraw a running tool's progress lines in place (a terminal); otherwise print the first few. */
  liveProgress?: boolean;
  /** Images the model read: drawn inline where the terminal can, else their path. */
  images?: InlineImages;
}

const TOOL_MARK = '●';
const OUTPUT_MARK = '⎿';

/**
 * Prints session events for a person at a terminal: streamed markdown, one line per tool call,
 * a collapsed view of tool output, dimmed tool logs, and the plan at the end of a turn.
 */
export class EventRenderer {
  readonly #writer: ScreenWriter;
  readonly #style: TerminalStyle;
  readonly #markdown: MarkdownRender | undefined;
  readonly #outputLines: number;
  readonly #progress: LiveTail;
  readonly #images: InlineImages | undefined;
  #stream: MarkdownStream | undefined;
  #blocksWritten = 0;
  #streamedThisCall = false;
  #lastAssistantText = '';
  /** Inside a run of tool lines (no blank line between them). */
  #inToolSection = false;
  /** The call whose line was printed last, so its output can follow without repeating it. */
  #lastCallShown: string | undefined;
  readonly #toolLines = new Map<string, string>();
  #plan: readonly PlanItem[] = [];
  #planChanged = false;

  constructor(options: EventRendererOptions) {
    this.#writer = options.writer;
    this.#style = options.style;
    this.#markdown = options.markdown;
    this.#outputLines = options.outputLines ?? 3;
    this.#images = options.images;
    this.#progress = new LiveTail(options.writer, options.style, { live: options.liveProgress ?? false, maxLines: this.#outputLines });
  }

  /** Print one event. Events that need an answer (approvals) are shown by their prompt instead. */
  handle(event: AgentEvent): void {
    switch (event.type) {
      case 'assistant_chunk':
        return this.#chunk(event.text);
      case 'assistant_stream_end':
        return this.finishStream();
      case 'assistant_message':
        return this.#message(event.text);
      case 'tool_call':
        return this.#toolCall(event);
      case 'tool_output':
        return this.#toolOutput(event);
      case 'tool_log':
        return this.#toolLog(event);
      case 'plan_update':
        this.#plan = event.plan;
        this.#planChanged = true;
        return;
      case 'turn_complete':
        return this.#turnComplete(event);
      case 'error':
        this.finishStream();
        return this.#notice(`${this.#style.red(`Error: ${sanitizeTerminalText(event.message)}`)} ${this.#style.dim(`(${event.code})`)}`);
      case 'interrupted':
        this.finishStream();
        this.#planChanged = false;
        return this.#notice(this.#style.yellow(`Interrupted.${event.cancelled_tool_calls > 0 ? ` ${event.cancelled_tool_calls} tool call(s) were not run.` : ''}`));
      case 'compacted':
        return this.#notice(
          this.#style.dim(
            `Context compacted (${event.trigger}): ${event.tokens_before.toLocaleString('en-US')} → ${event.tokens_after.toLocaleString('en-US')} tokens, ${event.messages_removed} messages summarised.`,
          ),
        );
      case 'undo_complete':
        return this.#notice(event.messages_removed > 0 ? `Undid the last turn (${event.messages_removed} messages removed).` : 'Nothing to undo.');
      case 'session_terminated':
        this.finishStream();
        return this.#notice(this.#style.red(`Session stopped (${event.reason}): ${sanitizeTerminalText(event.message)}`));
      case 'loop_detected': {
        const tools = event.tools.join(' → ');
        const action = event.action === 'nudge' ? 'asking the agent to change course' : 'stopped the turn';
        return this.#notice(this.#style.yellow(`Loop detected: ${tools} repeated ${event.repetitions} times; ${action}.`));
      }
      default:
        return;
    }
  }

  /** Render what is left of a streamed answer (end of stream, or before prompting). */
  finishStream(): void {
    if (this.#stream) this.#writeBlock(this.#stream.flush());
    this.#stream = undefined;
    this.#blocksWritten = 0;
  }

  /** Something else was printed (an approval question): the next tool output names its call again. */
  breakSection(): void {
    this.finishStream();
    this.#inToolSection = false;
    this.#lastCallShown = undefined;
  }

  /** Forget per-session state (after `/new` or `/resume`). */
  reset(): void {
    this.finishStream();
    this.#plan = [];
    this.#planChanged = false;
    this.#toolLines.clear();
    this.#inToolSection = false;
    this.#lastCallShown = undefined;
  }

  #chunk(text: string): void {
    this.#streamedThisCall = true;
    if (!this.#markdown) {
      if (!this.#stream && this.#blocksWritten === 0) this.#writer.ensureBlankLine();
      this.#blocksWritten += 1;
      this.#inToolSection = false;
      this.#writer.write(sanitizeTerminalText(text));
      return;
    }
    this.#stream ??= new MarkdownStream(this.#markdown);
    this.#writeBlock(this.#stream.push(text));
  }

  #writeBlock(rendered: string): void {
    const text = rendered.replace(/\n+$/, '');
    if (!text.trim()) return;
    if (this.#blocksWritten === 0) this.#writer.ensureBlankLine();
    else this.#writer.write('\n\n');
    this.#writer.write(text);
    this.#blocksWritten += 1;
    this.#inToolSection = false;
  }

  #message(text: string): void {
    if (!this.#streamedThisCall && text.trim()) {
      if (this.#markdown) this.#writeBlock(this.#markdown(text));
      else this.#writeBlock(sanitizeTerminalText(text));
      this.#blocksWritten = 0;
    }
    this.#writer.ensureLineStart();
    this.#streamedThisCall = false;
    this.#lastAssistantText = text;
  }

  #toolCall(event: EventOf<'tool_call'>): void {
    this.finishStream();
    const summary = sanitizeTerminalText(event.summary).replace(/\s+/g, ' ').trim();
    // Summaries often start with the tool's name ("bash: ls"), which the line already shows.
    const detail = summary.startsWith(event.tool) ? summary.slice(event.tool.length).replace(/^[\s:]+/, '') : summary;
    const width = this.#writer.columns - event.tool.length - 3;
    const line = `${this.#style.cyan(TOOL_MARK)} ${this.#style.bold(event.tool)}${detail ? ` ${this.#style.dim(truncateText(detail, width))}` : ''}`;
    this.#toolLines.set(event.tool_call_id, line);
    this.#images?.noteCall(event.tool_call_id, event.tool, event.arguments);
    this.#startToolSection();
    this.#writer.line(line);
    this.#lastCallShown = event.tool_call_id;
  }

  #toolOutput(event: EventOf<'tool_output'>): void {
    const style = this.#style;
    this.#progress.finish(event.tool_call_id);
    this.#showCall(event.tool_call_id, event.tool);
    const paint = event.is_error ? style.red : (text: string) => text;
    const collapsed = collapseOutput(sanitizeTerminalText(event.output), { maxLines: this.#outputLines, width: this.#writer.columns - 4 });
    const lines = collapsed.lines.length > 0 ? collapsed.lines.map(paint) : [style.dim('(no output)')];
    if (collapsed.hiddenLines > 0) lines.push(style.dim(`… ${collapsed.hiddenLines} more line${collapsed.hiddenLines === 1 ? '' : 's'}`));
    if (event.spill_path) lines.push(style.dim(`full output: ${event.spill_path}`));
    lines.forEach((line, index) => this.#writer.line(`${index === 0 ? `  ${style.dim(OUTPUT_MARK)} ` : '    '}${line}`));
    const image = this.#images?.render(event.tool_call_id, event.output, event.is_error, this.#writer.columns);
    const showPath = (file: string) => this.#writer.line(`    ${style.dim(`image: ${sanitizeTerminalText(file)}`)}`);
    if (typeof image?.sequence === 'string') this.#writer.write(`    ${image.sequence}\n`);
    else if (image?.sequence) void image.sequence.then((sequence) => (sequence ? this.#writer.write(`    ${sequence}\n`) : showPath(image.path)));
    else if (image) showPath(image.path);
    this.#lastCallShown = undefined;
    this.#toolLines.delete(event.tool_call_id);
  }

  /** Print the call's line again unless it is the last call shown (parallel calls, an approval in between). */
  #showCall(callId: string, tool: string): void {
    if (this.#lastCallShown === callId) return;
    this.#startToolSection();
    this.#writer.line(this.#toolLines.get(callId) ?? `${this.#style.cyan(TOOL_MARK)} ${this.#style.bold(tool)}`);
    this.#lastCallShown = callId;
  }

  #startToolSection(): void {
    if (!this.#inToolSection) this.#writer.ensureBlankLine();
    this.#inToolSection = true;
  }

  #toolLog(event: EventOf<'tool_log'>): void {
    // A log between streamed deltas (a retried stream) must not split a half-rendered block.
    if (!event.tool_call_id) this.finishStream();
    if (event.tool_call_id && event.level === 'info') {
      this.#showCall(event.tool_call_id, event.tool ?? '');
      return this.#progress.add(event.tool_call_id, sanitizeTerminalText(event.message));
    }
    const style = this.#style;
    const text = sanitizeTerminalText(`${event.tool ? `${event.tool}: ` : ''}${event.message}`);
    const paint = event.level === 'error' ? style.red : event.level === 'warn' ? style.yellow : style.dim;
    for (const line of text.split('\n')) this.#writer.line(`    ${paint(event.level === 'info' ? line : style.dim(line))}`);
  }

  #turnComplete(event: EventOf<'turn_complete'>): void {
    this.finishStream();
    const style = this.#style;
    const final = event.final_text.trim();
    if (final && final !== this.#lastAssistantText.trim()) this.#notice(style.yellow(sanitizeTerminalText(final)));
    const why: Partial<Record<typeof event.reason, string>> = {
      max_iterations: `Stopped after ${event.iterations} model calls (max_iterations).`,
      truncated: 'The answer was cut off by the output limit.',
      refusal: 'The model declined to answer.',
    };
    const note = why[event.reason];
    if (note) this.#notice(style.yellow(note));
    if (this.#planChanged && this.#plan.length > 0) {
      this.#writer.ensureBlankLine();
      for (const line of formatPlan(this.#plan, style)) this.#writer.line(line);
    }
    this.#planChanged = false;
    this.#lastAssistantText = '';
    this.#inToolSection = false;
    this.#lastCallShown = undefined;
    this.#writer.ensureLineStart();
  }

  #notice(text: string): void {
    this.#writer.ensureBlankLine();
    this.#writer.line(text);
    this.#inToolSection = false;
  }
}
