import type { PendingApproval } from '@ml-intern/events';
import { z } from 'zod';
import type { ApprovalPolicy } from './approval-policy.js';
import type { LanguageModel } from './model.js';
import { createSession } from './session.js';
import { defineTool, hasReadOnlyCalls, type AnyTool, type Tool } from './tool.js';

const researchInput = z.object({
  task: z.string().min(1).describe('What to find out, with enough context to work alone'),
  context: z.string().optional().describe('Facts the researcher should know (ids, constraints)'),
});

export interface ResearchToolOptions {
  model: LanguageModel | (() => LanguageModel);
  /** The tools the researcher may use; only read-only ones are given to it. */
  tools: () => readonly AnyTool[];
  /** The parent's policy: the researcher's calls pass the same approval rules. */
  policy: ApprovalPolicy;
  /** Model calls the researcher may make (default 20). */
  maxIterations?: number;
  redact?: (text: string) => string;
}

const RESEARCH_PROMPT = `You are a research sub-agent of an ML engineering agent. Investigate the task with the read-only tools you have (documentation, papers, datasets, code examples, web). Do not guess: verify APIs and schemas in sources. Finish with a concise report: findings, exact references (URLs, repo paths, dataset ids), and recommended next steps. You cannot ask questions or change anything.`;

/** The parent's policy, refusing every call that could change something. */
function readOnlyPolicy(parent: ApprovalPolicy): ApprovalPolicy {
  return {
    get mode() {
      return parent.mode;
    },
    get sessionRules() {
      return parent.sessionRules;
    },
    get interactive() {
      return parent.interactive;
    },
    setMode: (mode) => parent.setMode(mode),
    addSessionRule: (rule) => parent.addSessionRule(rule),
    alwaysRule: (request) => parent.alwaysRule(request),
    async decide(request, state) {
      if (!request.readOnly) return { decision: 'deny', reason: 'the research sub-agent only reads; report what should be changed instead', neverAuto: false };
      return parent.decide(request, state);
    },
  };
}

/**
 * `research`: run a sub-agent with its own call budget and the read-only subset of tools, and
 * return its report. Its progress is streamed to the parent as tool_log lines. It runs under the
 * parent's meter and budget (its spend is the parent's spend) and the parent's approval surface:
 * an *ask* inside it is put to the parent's user, or denied when nobody can answer.
 */
export function createResearchTool(options: ResearchToolOptions): Tool<typeof researchInput> {
  return defineTool({
    name: 'research',
    description:
      'Delegate a research question to a sub-agent that uses the read-only tools (docs, papers, datasets, GitHub, web) and returns a report. Use it for broad investigations so your own context stays small.',
    inputSchema: researchInput,
    readOnly: true,
    summarize: (input) => `research: ${input.task.slice(0, 80)}`,
    async execute(input, ctx) {
      const tools = options.tools().filter((tool) => hasReadOnlyCalls(tool) && tool.name !== 'research' && tool.name !== 'plan_tool');
      const model = typeof options.model === 'function' ? options.model() : options.model;
      const session = createSession({
        model,
        tools,
        systemPrompt: RESEARCH_PROMPT,
        cwd: ctx.session.cwd,
        dataDir: `${ctx.session.dataDir}/research-${ctx.toolCallId}`,
        maxIterations: options.maxIterations ?? 20,
        policy: readOnlyPolicy(options.policy),
        ...(ctx.session.meter ? { meter: ctx.session.meter } : {}),
        ...(ctx.session.budgetUsd === undefined ? {} : { budgetUsd: ctx.session.budgetUsd }),
        planTool: false,
        ...(options.redact ? { redact: options.redact } : {}),
      });
      const off = session.subscribe((event) => {
        if (event.type === 'tool_call') ctx.log(`research › ${event.summary}`);
        if (event.type === 'tool_output' && event.is_error) ctx.log(`research › ${event.tool} failed`, 'warn');
        if (event.type === 'approval_required') void forwardApproval(event.tools);
      });
      // Never a silent wait: the parent's user answers, or the calls are denied.
      const forwardApproval = async (pending: PendingApproval[]) => {
        const decisions = (await ctx.session.requestApproval?.(pending, ctx.signal)) ?? pending.map((item) => ({ tool_call_id: item.tool_call_id, approved: false, feedback: 'nobody can approve the research sub-agent\'s calls here; work with what needs no approval' }));
        session.submit({ type: 'exec_approval', decisions });
      };
      const stop = () => session.submit({ type: 'interrupt' });
      ctx.signal.addEventListener('abort', stop, { once: true });
      try {
        const outcome = await session.run(input.context ? `${input.task}\n\nContext:\n${input.context}` : input.task);
        if (outcome.status === 'completed') return outcome.text || '(the researcher returned no text)';
        return { output: `Research did not complete (${outcome.status}${outcome.error ? `: ${outcome.error.message}` : ''}).`, isError: true };
      } finally {
        off();
        ctx.signal.removeEventListener('abort', stop);
        await session.close();
      }
    },
  });
}
