import type { Session } from '@ml-intern/core';
import { describeInstructions, type LoadedInstructions } from '../runtime/project-instructions.js';
import type { RuntimeDescription } from '../runtime/runtime-types.js';
import { sanitizeTerminalText, type TerminalStyle } from './terminal-style.js';

const number = (value: number) => value.toLocaleString('en-US');

function usd(value: number): string {
  return `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`;
}

/** How the runtime looks to a person: sandbox, network, GPUs. */
export function describeRuntime(description: RuntimeDescription): string {
  const gpus = description.gpu.length > 0 ? description.gpu.map((gpu) => `${gpu.name} (${Math.round(gpu.memoryMiB / 1024)} GiB)`).join(', ') : 'none';
  // `networkMode` (the sandbox's describe()) tells the allow-list apart from no network.
  const mode = description.networkMode;
  const network = mode === 'allowlist' ? 'allow-list (proxy)' : mode === 'full' || (mode === undefined && description.network) ? 'on' : 'off';
  return `${description.runtime} · network ${network} · GPU: ${gpus}`;
}

function rows(entries: [string, string][], style: TerminalStyle): string[] {
  const width = Math.max(...entries.map(([label]) => label.length));
  return entries.map(([label, value]) => `  ${style.dim(label.padEnd(width))}  ${value}`);
}

/** What `/status` reports on. */
export interface StatusInput {
  session: Session;
  description: RuntimeDescription;
  budgetUsd?: number | null;
  /** The project instructions in the system prompt (AGENTS.md, ML_INTERN.md). */
  instructions?: LoadedInstructions;
}

/** `/status`: model, effort, runtime, session, log, approvals, turns, context use, cost. */
export function formatStatus(input: StatusInput, style: TerminalStyle): string[] {
  const { session } = input;
  const { tokens, limit, window } = session.context;
  const percent = window > 0 ? Math.round((tokens / window) * 100) : 0;
  const turns = session.history.messages.filter((message) => message.role === 'user').length;
  const rules = session.policy.sessionRules.length;
  const totals = session.usage;
  const entries: [string, string][] = [
    ['model', session.model.id],
    ['effort', session.reasoningEffort ?? 'provider default'],
    ['runtime', describeRuntime(input.description)],
    ['session', session.id],
    ['log', session.logLocation ?? 'not saved'],
    ['approvals', `${session.policy.mode}${rules > 0 ? ` · ${rules} session rule${rules === 1 ? '' : 's'}` : ''}`],
    ['turns', String(turns)],
    ['context', `${number(tokens)} / ${number(window)} tokens (${percent}%; compaction at ${number(limit)})`],
    ['cost', `${usd(totals.costUsd)}${totals.unpriced ? style.yellow(' (some calls unpriced)') : ''}`],
  ];
  if (input.budgetUsd) entries.push(['budget', usd(input.budgetUsd)]);
  const files = input.instructions ? describeInstructions(input.instructions) : [];
  if (input.instructions) {
    const count = input.instructions.files.length;
    entries.push(['instructions', count > 0 ? `${count} file${count === 1 ? '' : 's'} (AGENTS.md, ML_INTERN.md; /memory reloads)` : 'none (AGENTS.md, ML_INTERN.md)']);
  }
  return [style.bold('Status'), ...rows(entries, style), ...files.map((file) => `    ${sanitizeTerminalText(file)}`)];
}

/** `/cost`: tokens by class and what they cost, LLM and estimated HF Jobs separately. */
export function formatCost(session: Session, style: TerminalStyle): string[] {
  const { usage, costUsd, llmCostUsd, jobCostUsd, unpriced } = session.usage;
  const entries: [string, string][] = [
    ['input', `${number(usage.input_tokens)} tokens (cached ${number(usage.cached_input_tokens)}, cache writes ${number(usage.cache_creation_tokens)})`],
    ['output', `${number(usage.output_tokens)} tokens (reasoning ${number(usage.reasoning_tokens)})`],
    ['LLM', usd(llmCostUsd)],
    ['HF Jobs', `${usd(jobCostUsd)} (estimated)`],
    ['total', style.bold(usd(costUsd))],
  ];
  const lines = [style.bold('Cost this session'), ...rows(entries, style)];
  if (unpriced) lines.push(style.yellow('  Some calls are unpriced (their model is not in the price table), so the total is too low.'));
  return lines;
}
