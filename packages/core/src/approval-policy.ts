import picomatch from 'picomatch';
import type { ApprovalHint } from './tool.js';

export type ApprovalDecisionKind = 'allow' | 'ask' | 'deny';
export type ApprovalMode = 'default' | 'yolo' | 'headless' | 'read-only';

/**
 * A declarative rule. `tool` is a glob over tool names; `args` maps argument names to globs
 * matched against the argument's string value (e.g. `{ command: "pip install *" }`,
 * `{ operation: ["upload", "delete"] }`). All listed arguments must match.
 */
export interface ApprovalRule {
  tool: string;
  args?: Record<string, string | string[]>;
  action: ApprovalDecisionKind;
  /** Shown to the user and to the model when the rule decides. */
  reason?: string;
}

export interface ApprovalRequest {
  tool: string;
  input: Record<string, unknown>;
  /** The tool's own default (from `defineTool({ approval })`). */
  hint?: ApprovalHint;
  readOnly?: boolean;
}

export interface ApprovalOutcome {
  decision: ApprovalDecisionKind;
  reason: string;
  costUsd?: number;
  /** True when no mode or "always" rule may auto-approve it. */
  neverAuto: boolean;
}

/** Decides whether a tool call runs, asks the user, or is refused. */
export interface ApprovalPolicy {
  readonly mode: ApprovalMode;
  /** Switch mode for the rest of the session (`/yolo`). */
  setMode(mode: ApprovalMode): void;
  decide(request: ApprovalRequest, state?: { spentUsd: number }): ApprovalOutcome;
  /** Add a session rule ("always allow this"); returns its description. */
  addSessionRule(rule: ApprovalRule): string;
  readonly sessionRules: readonly ApprovalRule[];
}

export interface ApprovalPolicyOptions {
  mode?: ApprovalMode;
  rules?: readonly ApprovalRule[];
  /** Session USD cap: auto-approval stops when the next operation would exceed it. */
  budgetUsd?: number;
}

const PRECEDENCE: Record<ApprovalDecisionKind, number> = { deny: 3, ask: 2, allow: 1 };

function globMatch(pattern: string | string[], value: string): boolean {
  const patterns = Array.isArray(pattern) ? pattern : [pattern];
  return patterns.some((one) => picomatch.isMatch(value, one, { dot: true, bash: true }));
}

function argumentText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}

export function ruleMatches(rule: ApprovalRule, request: ApprovalRequest): boolean {
  if (!globMatch(rule.tool, request.tool)) return false;
  for (const [name, pattern] of Object.entries(rule.args ?? {})) {
    if (!globMatch(pattern, argumentText(request.input[name]))) return false;
  }
  return true;
}

/** Human-readable scope of a rule, shown before the user picks "always". */
export function describeRule(rule: ApprovalRule): string {
  const args = Object.entries(rule.args ?? {})
    .map(([name, pattern]) => `${name}=${Array.isArray(pattern) ? pattern.join('|') : pattern}`)
    .join(', ');
  return `${rule.action} ${rule.tool}${args ? ` when ${args}` : ''}`;
}

/** The strongest of the matching rules: deny wins, then ask, then allow. */
function strongest(rules: readonly ApprovalRule[], request: ApprovalRequest): ApprovalRule | undefined {
  let best: ApprovalRule | undefined;
  for (const rule of rules) {
    if (!ruleMatches(rule, request)) continue;
    if (!best || PRECEDENCE[rule.action] > PRECEDENCE[best.action]) best = rule;
  }
  return best;
}

/**
 * The policy engine of SPEC section 6. Order: user rules (deny > ask > allow) override the tool's
 * own default; then the mode maps `ask`; never-auto operations always ask (or are denied headless);
 * a budget that the call would exceed turns an automatic allow into ask.
 */
export function createApprovalPolicy(options: ApprovalPolicyOptions = {}): ApprovalPolicy {
  let mode: ApprovalMode = options.mode ?? 'default';
  const configured = [...(options.rules ?? [])];
  const sessionRules: ApprovalRule[] = [];

  function baseDecision(request: ApprovalRequest): { decision: ApprovalDecisionKind; reason: string } {
    const rule = strongest(configured, request);
    const hint = request.hint;
    if (rule?.action === 'deny') return { decision: 'deny', reason: rule.reason ?? `denied by rule: ${describeRule(rule)}` };
    if (hint?.decision === 'deny') return { decision: 'deny', reason: hint.reason ?? `${request.tool} refused this call` };
    // "Always allow" answers are honoured over configured ask rules and tool defaults, never over deny.
    const sessionRule = strongest(sessionRules, request);
    if (sessionRule && !hint?.neverAuto) {
      return { decision: sessionRule.action, reason: `session rule: ${describeRule(sessionRule)}` };
    }
    if (rule) return { decision: rule.action, reason: rule.reason ?? `rule: ${describeRule(rule)}` };
    if (hint) return { decision: hint.decision, reason: hint.reason ?? `${request.tool} asks for approval by default` };
    return { decision: 'allow', reason: 'allowed by default' };
  }

  function decide(request: ApprovalRequest, state: { spentUsd: number } = { spentUsd: 0 }): ApprovalOutcome {
    const costUsd = request.hint?.costUsd;
    const neverAuto = request.hint?.neverAuto === true;
    const withCost = (outcome: Omit<ApprovalOutcome, 'costUsd' | 'neverAuto'>): ApprovalOutcome =>
      costUsd === undefined ? { ...outcome, neverAuto } : { ...outcome, costUsd, neverAuto };

    if (mode === 'read-only' && !request.readOnly) {
      return withCost({ decision: 'deny', reason: `read-only mode: ${request.tool} can change things` });
    }
    const base = baseDecision(request);
    if (base.decision === 'deny') return withCost(base);

    let decision = base.decision;
    let reason = base.reason;
    if (neverAuto) {
      decision = 'ask';
      reason = request.hint?.reason ?? `${request.tool}: this operation always needs explicit approval`;
    } else if (decision === 'ask' && mode === 'yolo') {
      decision = 'allow';
      reason = `yolo mode (${reason})`;
    }
    if (decision === 'allow' && options.budgetUsd !== undefined && costUsd !== undefined) {
      if (state.spentUsd + costUsd > options.budgetUsd) {
        decision = 'ask';
        reason = `estimated cost $${costUsd.toFixed(2)} would exceed the session budget ($${state.spentUsd.toFixed(2)} of $${options.budgetUsd.toFixed(2)} spent)`;
      }
    }
    if (decision === 'ask' && mode === 'headless') {
      return withCost({ decision: 'deny', reason: `headless run: approval required but nobody can answer (${reason}); allow it with --yolo or a policy rule` });
    }
    return withCost({ decision, reason });
  }

  return {
    get mode() {
      return mode;
    },
    setMode(next) {
      mode = next;
    },
    decide,
    addSessionRule(rule) {
      sessionRules.push(rule);
      return describeRule(rule);
    },
    get sessionRules() {
      return sessionRules;
    },
  };
}
