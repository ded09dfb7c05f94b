import picomatch from 'picomatch';
import { alwaysAllowScope, evaluateCommandRules, loadShellParser, type ShellAnalysis, type ShellParser } from './shell-command.js';
import type { ApprovalHint } from './tool.js';

export type ApprovalDecisionKind = 'allow' | 'ask' | 'deny';

/**
 * How much is approved without asking:
 * - `default`: the tools' defaults and the rules; everything else asks.
 * - `yolo`: every *ask* is approved, except never-auto operations.
 * - `auto`: the unattended default (one-shot, headless). Billable operations are approved while
 *   their estimated cost fits the auto-approval cap; an unpriced billable operation, a command
 *   that runs on the host without a sandbox and a never-auto operation are not.
 * - `strict` (`headless` is its old name): nothing is approved beyond the tools' defaults and
 *   the allow rules.
 * - `read-only`: only calls that cannot change anything run.
 *
 * Whether a person can answer an *ask* is separate from the mode (`interactive`): when nobody
 * can, *ask* becomes *deny* with a reason that says how to allow it, so nothing ever waits.
 */
export type ApprovalMode = 'default' | 'yolo' | 'auto' | 'strict' | 'headless' | 'read-only';

/**
 * A declarative rule. `tool` is a glob over tool names; `args` maps argument names to globs
 * matched against the argument's string value (e.g. `{ operation: ["upload", "delete"] }`).
 * All listed arguments must match. A string `command` argument is a shell command and is matched
 * on its parsed simple commands (see shell-command.ts): an allow rule covers a call only when
 * every simple command in it is allowed; a deny rule matching any one denies the whole call.
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
  /** What rules are matched against when it differs from `input` (the tool's `ruleInput`: canonical paths). */
  ruleInput?: Record<string, unknown>;
  /** The tool's own default (from `defineTool({ approval })`). */
  hint?: ApprovalHint;
  readOnly?: boolean;
}

export interface ApprovalState {
  /** Spent so far, LLM calls and reserved job costs together. */
  spentUsd: number;
  /** Job and sandbox costs reserved or spent so far (counted against the auto-approval cap). */
  reservedUsd?: number;
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
  /** Whether a person can answer an *ask*; when false every *ask* is a *deny*. */
  readonly interactive: boolean;
  /** Switch mode for the rest of the session (`/yolo`). */
  setMode(mode: ApprovalMode): void;
  /** The session USD cap in force (undefined: none). */
  readonly budgetUsd?: number | undefined;
  /** Change the session USD cap for the rest of the session (`set_approval_mode`); undefined removes it. */
  setBudgetUsd?(usd: number | undefined): void;
  decide(request: ApprovalRequest, state?: ApprovalState): Promise<ApprovalOutcome>;
  /** The rule an "always allow" answer would add for this call (undefined: none is safe to offer). */
  alwaysRule(request: Pick<ApprovalRequest, 'tool' | 'input' | 'ruleInput'>): Promise<{ rule: ApprovalRule; description: string } | undefined>;
  /** Add a session rule ("always allow this"); returns its description. */
  addSessionRule(rule: ApprovalRule): string;
  readonly sessionRules: readonly ApprovalRule[];
}

export interface ApprovalPolicyOptions {
  mode?: ApprovalMode;
  rules?: readonly ApprovalRule[];
  /** Session USD cap: auto-approval stops when the next operation would exceed it. */
  budgetUsd?: number;
  /** `auto` mode: billable operations are auto-approved while their reserved total stays under this (default: `budgetUsd`, else $5). */
  autoApprovalCapUsd?: number;
  /** Whether a person can answer (default true). Unattended runs pass false: *ask* becomes *deny*. */
  interactive?: boolean;
  /** `auto` mode also approves commands that run on the host without a sandbox (unattended `--yolo`). */
  autoApproveUnsandboxed?: boolean;
  /** The shell parser (default: loaded on first use). */
  shellParser?: ShellParser;
}

/** The auto-approval cap of unattended runs when no `--budget-usd` is given. */
export const DEFAULT_AUTO_APPROVAL_CAP_USD = 5;

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

/** Shell rules: a string `command` argument matched on the parsed command. */
function isShellArgument(name: string, value: unknown): value is string {
  return name === 'command' && typeof value === 'string';
}

/** Does a rule match everything except a shell `command` argument (which needs the parser)? */
function matchesExceptCommand(rule: ApprovalRule, tool: string, input: Record<string, unknown>): boolean {
  if (!globMatch(rule.tool, tool)) return false;
  for (const [name, pattern] of Object.entries(rule.args ?? {})) {
    if (isShellArgument(name, input[name])) continue;
    if (!globMatch(pattern, argumentText(input[name]))) return false;
  }
  return true;
}

/**
 * Whether a rule matches a call, ignoring shell parsing: kept for third-party policies that
 * match plain arguments. The policy itself matches `command` arguments on the parsed command.
 */
export function ruleMatches(rule: ApprovalRule, request: ApprovalRequest): boolean {
  const input = request.ruleInput ?? request.input;
  if (!globMatch(rule.tool, request.tool)) return false;
  for (const [name, pattern] of Object.entries(rule.args ?? {})) {
    if (!globMatch(pattern, argumentText(input[name]))) return false;
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

/**
 * The policy engine of SPEC section 6. Order: user rules (deny > ask > allow) override the tool's
 * own default; then the mode maps `ask`; never-auto operations always ask; a cap that the call
 * would pass turns an automatic allow into ask; and when nobody can answer, ask is deny.
 */
export function createApprovalPolicy(options: ApprovalPolicyOptions = {}): ApprovalPolicy {
  let mode: ApprovalMode = options.mode ?? 'default';
  const interactive = options.interactive ?? true;
  const configured = [...(options.rules ?? [])];
  const sessionRules: ApprovalRule[] = [];
  let parser: Promise<ShellParser> | undefined = options.shellParser ? Promise.resolve(options.shellParser) : undefined;
  const shell = () => (parser ??= loadShellParser());
  let budgetUsd = options.budgetUsd;
  const autoCapOf = () => options.autoApprovalCapUsd ?? budgetUsd ?? DEFAULT_AUTO_APPROVAL_CAP_USD;

  /** The strongest matching rule (deny > ask > allow), shell commands parsed. */
  async function strongest(rules: readonly ApprovalRule[], request: ApprovalRequest): Promise<ApprovalRule | undefined> {
    const input = request.ruleInput ?? request.input;
    let best: ApprovalRule | undefined;
    const consider = (rule: ApprovalRule | undefined) => {
      if (rule && (!best || PRECEDENCE[rule.action] > PRECEDENCE[best.action])) best = rule;
    };
    const shellRules: { rule: ApprovalRule; pattern: string | string[] }[] = [];
    for (const rule of rules) {
      if (!matchesExceptCommand(rule, request.tool, input)) continue;
      const pattern = rule.args?.command;
      if (pattern !== undefined && isShellArgument('command', input.command)) shellRules.push({ rule, pattern });
      else consider(rule);
    }
    if (shellRules.length > 0) {
      const command = input.command as string;
      const analysis = (await shell()).analyze(command);
      // One evaluation over all of them: an allow needs every simple command covered, possibly by different rules.
      const verdict = evaluateCommandRules(
        analysis,
        command,
        shellRules.map(({ rule, pattern }) => ({ pattern, action: rule.action })),
      );
      if (verdict) {
        const samePattern = (pattern: string | string[]) => (Array.isArray(pattern) ? pattern.includes(verdict.pattern) : pattern === verdict.pattern);
        consider(shellRules.find(({ rule, pattern }) => rule.action === verdict.action && samePattern(pattern))?.rule ?? { tool: request.tool, action: verdict.action });
      }
    }
    return best;
  }

  async function baseDecision(request: ApprovalRequest): Promise<{ decision: ApprovalDecisionKind; reason: string; ruled: boolean }> {
    const rule = await strongest(configured, request);
    const hint = request.hint;
    if (rule?.action === 'deny') return { decision: 'deny', reason: rule.reason ?? `denied by rule: ${describeRule(rule)}`, ruled: true };
    if (hint?.decision === 'deny') return { decision: 'deny', reason: hint.reason ?? `${request.tool} refused this call`, ruled: false };
    // "Always allow" answers are honoured over configured ask rules and tool defaults, never over deny.
    const sessionRule = hint?.neverAuto ? undefined : await strongest(sessionRules, request);
    if (sessionRule) return { decision: sessionRule.action, reason: `session rule: ${describeRule(sessionRule)}`, ruled: true };
    if (rule) return { decision: rule.action, reason: rule.reason ?? `rule: ${describeRule(rule)}`, ruled: true };
    if (hint) return { decision: hint.decision, reason: hint.reason ?? `${request.tool} asks for approval by default`, ruled: false };
    return { decision: 'allow', reason: 'allowed by default', ruled: false };
  }

  /** How the user can allow what an unattended run denied. */
  function unattendedHint(request: ApprovalRequest, neverAuto: boolean): string {
    if (neverAuto) return 'this operation always needs a person to approve it: run it interactively';
    if (request.hint?.unsandboxed) return 'commands run on the host without a sandbox: add an allow rule for it, pass --yolo, or install bubblewrap';
    if (request.hint?.billable && request.hint.costUsd === undefined) return 'its cost cannot be estimated: run it interactively, or add an allow rule for it';
    if (mode === 'auto' && request.hint?.costUsd !== undefined) return 'raise the cap with --budget-usd, or run it interactively';
    return mode === 'strict' || mode === 'headless' ? 'allow it with --approval auto or an allow rule' : 'allow it with a rule or run it interactively';
  }

  async function decide(request: ApprovalRequest, state: ApprovalState = { spentUsd: 0 }): Promise<ApprovalOutcome> {
    const hint = request.hint;
    const costUsd = hint?.costUsd;
    const neverAuto = hint?.neverAuto === true;
    const withCost = (outcome: { decision: ApprovalDecisionKind; reason: string }): ApprovalOutcome =>
      costUsd === undefined ? { ...outcome, neverAuto } : { ...outcome, costUsd, neverAuto };

    if (mode === 'read-only' && !request.readOnly) {
      return withCost({ decision: 'deny', reason: `read-only mode: ${request.tool} can change things` });
    }
    const base = await baseDecision(request);
    if (base.decision === 'deny') return withCost(base);

    let decision = base.decision;
    let reason = base.reason;
    if (neverAuto) {
      decision = 'ask';
      reason = hint?.reason ?? `${request.tool}: this operation always needs explicit approval`;
    } else if (decision === 'ask' && mode === 'yolo') {
      decision = 'allow';
      reason = `yolo mode (${reason})`;
    } else if (decision === 'ask' && mode === 'auto' && !base.ruled) {
      // Unattended auto-approval, within the cap below; never for commands that run on the host.
      if (hint?.unsandboxed && !options.autoApproveUnsandboxed) {
        reason = `${reason}; auto mode does not run unsandboxed commands without --yolo or an allow rule`;
      } else {
        decision = 'allow';
        reason = `auto-approved (${reason})`;
      }
    }
    const capInForce = budgetUsd !== undefined || mode === 'auto';
    const autoCap = autoCapOf();
    // A billable call whose cost is unknown is never approved automatically under a cap.
    if (decision === 'allow' && !base.ruled && capInForce && hint?.billable && costUsd === undefined) {
      decision = 'ask';
      reason = `${reason}; its cost cannot be estimated, so it is never auto-approved under a spending cap`;
    }
    if (decision === 'allow' && costUsd !== undefined) {
      const reserved = state.reservedUsd ?? 0;
      if (budgetUsd !== undefined && state.spentUsd + costUsd > budgetUsd) {
        decision = 'ask';
        reason = `estimated cost $${costUsd.toFixed(2)} would exceed the session budget ($${state.spentUsd.toFixed(2)} of $${budgetUsd.toFixed(2)} spent)`;
      } else if (mode === 'auto' && !base.ruled && reserved + costUsd > autoCap) {
        decision = 'ask';
        reason = `estimated cost $${costUsd.toFixed(2)} would pass the auto-approval cap ($${reserved.toFixed(2)} of $${autoCap.toFixed(2)} reserved)`;
      }
    }
    if (decision === 'ask' && (!interactive || mode === 'strict' || mode === 'headless')) {
      const who = mode === 'strict' || mode === 'headless' ? `${mode} approval mode` : 'unattended run: nobody can answer an approval';
      return withCost({ decision: 'deny', reason: `${who} (${reason}); ${unattendedHint(request, neverAuto)}` });
    }
    return withCost({ decision, reason });
  }

  async function alwaysRule(request: Pick<ApprovalRequest, 'tool' | 'input' | 'ruleInput'>): Promise<{ rule: ApprovalRule; description: string } | undefined> {
    const input = request.ruleInput ?? request.input;
    if (typeof input.operation === 'string') {
      const rule: ApprovalRule = { tool: request.tool, args: { operation: input.operation }, action: 'allow' };
      return { rule, description: describeRule(rule) };
    }
    if (typeof input.command === 'string') {
      const analysis: ShellAnalysis = (await shell()).analyze(input.command);
      const scope = alwaysAllowScope(analysis);
      if (!scope) return undefined;
      const rule: ApprovalRule = { tool: request.tool, args: { command: scope.patterns }, action: 'allow' };
      return { rule, description: `allow ${request.tool} for ${scope.description}` };
    }
    const rule: ApprovalRule = { tool: request.tool, action: 'allow' };
    return { rule, description: describeRule(rule) };
  }

  return {
    get mode() {
      return mode;
    },
    interactive,
    setMode(next) {
      mode = next;
    },
    get budgetUsd() {
      return budgetUsd;
    },
    setBudgetUsd(usd) {
      budgetUsd = usd;
    },
    decide,
    alwaysRule,
    addSessionRule(rule) {
      sessionRules.push(rule);
      return describeRule(rule);
    },
    get sessionRules() {
      return sessionRules;
    },
  };
}
