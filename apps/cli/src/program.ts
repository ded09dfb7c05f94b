import { type Command, CommanderError } from 'commander';

/**
 * Run a commander program the way both ml-intern binaries do (build it with `.exitOverride()`):
 * usage errors exit 2 (SPEC section 11) rather than commander's 1; a failing command prints
 * `<name>: message` and exits 1; a closed stdout (`| head`) stops quietly with 141, as a program
 * killed by SIGPIPE does; and a command whose event loop empties while it still awaits something
 * says so and exits 1 instead of Node's silent 0.
 */
export function runProgram(program: Command, name: string): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(141);
      throw error;
    });
  }
  let finished = false;
  // Not emitted for an explicit process.exit, only when the loop ran dry.
  process.once('beforeExit', () => {
    if (finished) return;
    process.stderr.write(`${name}: internal error: the command stopped before finishing (it was waiting on an operation that can never complete). Please report this.\n`);
    process.exitCode = 1;
  });
  program
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      if (error instanceof CommanderError) {
        // Commander has printed the problem (or the help / version) already.
        process.exitCode = error.exitCode === 0 ? 0 : 2;
        return;
      }
      process.stderr.write(`${name}: ${(error as Error).message ?? String(error)}\n`);
      process.exitCode = 1;
    })
    .finally(() => {
      finished = true;
    });
}
