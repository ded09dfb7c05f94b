import path from 'node:path';
import type { Sandbox } from './sandbox.js';

/** Quote one argument for a POSIX shell. */
export function quoteShellArgument(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

// compile() checks the syntax without writing __pycache__ into the workspace (py_compile would).
const PYTHON_CHECK = `import sys
try:
    compile(open(sys.argv[1], "rb").read(), sys.argv[1], "exec")
except SyntaxError as error:
    print(f"{type(error).__name__}: {error.msg} (line {error.lineno}, column {error.offset})")
    print((error.text or "").rstrip())
    sys.exit(1)`;

function checkJson(content: string, lines: boolean): string | undefined {
  if (!lines) {
    try {
      JSON.parse(content);
      return undefined;
    } catch (error) {
      return `JSON syntax error: ${(error as Error).message}`;
    }
  }
  const rows = content.split('\n');
  for (const [index, row] of rows.entries()) {
    if (row.trim() === '') continue;
    try {
      JSON.parse(row);
    } catch (error) {
      return `JSON Lines syntax error on line ${index + 1}: ${(error as Error).message}`;
    }
  }
  return undefined;
}

/**
 * A cheap syntax check after `write`/`edit`, reported as a warning (the file is written anyway):
 * Python through the sandbox's python3 (skipped when there is none), JSON and JSON Lines in
 * process. TypeScript is not checked: a real check needs the compiler and the project's config.
 */
export async function checkSyntax(sandbox: Sandbox, file: string, content: string, signal?: AbortSignal): Promise<string | undefined> {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.json' || extension === '.ipynb') return checkJson(content, false);
  if (extension === '.jsonl') return checkJson(content, true);
  if (extension !== '.py') return undefined;
  const result = await sandbox.exec(`python3 -c ${quoteShellArgument(PYTHON_CHECK)} ${quoteShellArgument(file)}`, {
    timeoutMs: 30_000,
    maxOutputChars: 4_000,
    ...(signal ? { signal } : {}),
  });
  if (result.exitCode === 0 || result.exitCode === 127 || result.exitCode === null) return undefined;
  return `Python syntax check failed: ${result.output.trim()}`;
}
