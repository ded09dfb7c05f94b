import type { PlanItem } from '@ml-intern/events';
import { z } from 'zod';
import { defineTool, type Tool } from './tool.js';

const planInput = z.object({
  todos: z
    .array(
      z.object({
        id: z.string().min(1).describe('Stable id of the item, e.g. "1"'),
        content: z.string().min(1).describe('What to do, imperative'),
        status: z.enum(['pending', 'in_progress', 'completed']),
      }),
    )
    .describe('The complete todo list; it replaces the previous one'),
});

export function formatPlan(plan: readonly PlanItem[]): string {
  if (plan.length === 0) return '(empty plan)';
  const mark = { pending: '[ ]', in_progress: '[~]', completed: '[x]' } as const;
  return plan.map((item) => `${mark[item.status]} ${item.id}. ${item.content}`).join('\n');
}

/** `plan_tool`: replace the todo list; the session emits `plan_update`. */
export function createPlanTool(onUpdate: (plan: PlanItem[]) => void): Tool<typeof planInput> {
  return defineTool({
    name: 'plan_tool',
    description:
      'Replace the todo list for multi-step work. Send the whole list each time; keep exactly one item in_progress while working and mark items completed as soon as they are done.',
    inputSchema: planInput,
    readOnly: true,
    summarize: (input) => `plan (${input.todos.filter((item) => item.status === 'completed').length}/${input.todos.length} done)`,
    execute(input) {
      const ids = new Set<string>();
      for (const item of input.todos) {
        if (ids.has(item.id)) return { output: `Duplicate todo id "${item.id}": ids must be unique.`, isError: true };
        ids.add(item.id);
      }
      const active = input.todos.filter((item) => item.status === 'in_progress').length;
      onUpdate(input.todos);
      const warning = active > 1 ? `\nNote: ${active} items are in_progress; keep one at a time.` : '';
      return `Plan updated:\n${formatPlan(input.todos)}${warning}`;
    },
  });
}
