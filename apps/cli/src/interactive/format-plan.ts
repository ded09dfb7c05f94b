import type { PlanItem } from '@ml-intern/events';
import type { TerminalStyle } from './terminal-style.js';

/** The plan as terminal lines: done items dimmed, the current one highlighted. */
export function formatPlan(plan: readonly PlanItem[], style: TerminalStyle): string[] {
  if (plan.length === 0) return [style.dim('No plan yet: the agent writes one with plan_tool for multi-step work.')];
  const done = plan.filter((item) => item.status === 'completed').length;
  const lines = [`${style.bold('Plan')} ${style.dim(`(${done}/${plan.length} done)`)}`];
  for (const item of plan) {
    if (item.status === 'completed') lines.push(style.dim(`  [x] ${item.content}`));
    else if (item.status === 'in_progress') lines.push(style.yellow(`  [~] ${style.bold(item.content)}`));
    else lines.push(`  [ ] ${item.content}`);
  }
  return lines;
}
