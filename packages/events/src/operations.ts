import { z } from 'zod';

export const approvalDecisionSchema = z.object({
  tool_call_id: z.string(),
  approved: z.boolean(),
  /** Rejection reason or guidance, shown to the model as the tool result. */
  feedback: z.string().optional(),
  /** Replacement arguments (an edited script, a smaller hardware flavor…), validated again. */
  edited_arguments: z.record(z.string(), z.unknown()).optional(),
  /** Add a session rule so calls of the same scope are allowed without asking. */
  always: z.boolean().optional(),
});
export type ApprovalDecision = z.infer<typeof approvalDecisionSchema>;

/** An image attached to a user message (`@plot.png` in the CLI): base64 bytes, media type, size when known. */
export const imageInputSchema = z.object({
  type: z.literal('image'),
  mediaType: z.enum(['image/png', 'image/jpeg', 'image/gif', 'image/webp']),
  data: z.string().min(1),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
});

/**
 * The approval modes a front end may switch a session to (the CLI's `/yolo`, the web UI's toggle):
 * `default` asks for what needs approval, `yolo` approves it except never-auto operations.
 */
export const approvalModeSchema = z.enum(['default', 'yolo']);
export type SettableApprovalMode = z.infer<typeof approvalModeSchema>;

/** Operations a front end submits to a session (SPEC section 1). */
export const operationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user_input'), text: z.string(), images: z.array(imageInputSchema).max(20).optional() }),
  z.object({ type: z.literal('exec_approval'), decisions: z.array(approvalDecisionSchema).min(1) }),
  z.object({ type: z.literal('interrupt') }),
  z.object({ type: z.literal('compact') }),
  z.object({ type: z.literal('undo') }),
  z.object({ type: z.literal('new') }),
  z.object({ type: z.literal('resume'), session: z.string() }),
  z.object({ type: z.literal('shutdown') }),
  /**
   * Go back to before turn `turn` (1-based, as `checkpoint` events number them): `code` restores
   * the workspace files from its checkpoint, `conversation` removes that turn and the later ones
   * from the history (logged, so a resume replays it).
   */
  z.object({ type: z.literal('rewind'), turn: z.number().int().positive(), code: z.boolean(), conversation: z.boolean() }),
  z.object({
    type: z.literal('set_approval_mode'),
    mode: approvalModeSchema,
    /** The session's USD cap from now on; `null` removes it, absent leaves it as it is. */
    budget_usd: z.number().nonnegative().nullable().optional(),
  }),
]);
export type Operation = z.infer<typeof operationSchema>;
export type OperationType = Operation['type'];

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Validate an operation from an untrusted front end; the message names the offending field. */
export function parseOperation(input: unknown): ParseResult<Operation> {
  const result = operationSchema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: `invalid operation: ${formatIssues(result.error)}` };
}

export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
