/** A numeric flag as a number, or as given when it is not one (the config check then reports `found "abc"`). */
function numeric(value: unknown): unknown {
  return typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
}

/** Config values from the command-line flags both runners share (`--model`, `--max-iterations`, `--yolo`, `--budget-usd`, `--approval`, `--sandbox`, `--sandbox-url`). */
export function configFlags(options: Record<string, unknown>): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  if (typeof options.model === 'string') flags.model_name = options.model;
  if (options.maxIterations !== undefined) flags.max_iterations = numeric(options.maxIterations);
  if (options.yolo === true) flags.yolo_mode = true;
  if (options.budgetUsd !== undefined) flags.budget_usd = numeric(options.budgetUsd);
  if (options.approval !== undefined) flags.approval = { unattended: options.approval };
  // `--sandbox space[:<hardware>]` (a private HF Space for the session) or `--sandbox local|sandbox`.
  if (typeof options.sandbox === 'string') {
    const [kind, hardware] = options.sandbox.split(':', 2) as [string, string | undefined];
    flags.tool_runtime = kind;
    if (kind === 'space' && hardware) flags.sandbox = { space_hardware: hardware };
  }
  if (typeof options.sandboxUrl === 'string') {
    flags.tool_runtime = 'remote';
    flags.sandbox = { url: options.sandboxUrl };
  }
  return flags;
}
