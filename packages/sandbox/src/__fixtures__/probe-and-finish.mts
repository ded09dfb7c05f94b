// A one-shot program: creates a sandbox, runs `describe` or `exec` once, prints the outcome and
// has nothing left to do. Usage: probe-and-finish.mts <workspace> <python> describe|exec
import { createLocalSandbox } from '../local-sandbox.js';

const [workspace, python, action] = process.argv.slice(2);
const sandbox = createLocalSandbox({ workspace, hostEnv: process.env, python });
if (action === 'exec') {
  const result = await sandbox.exec('echo "$PATH"');
  process.stdout.write(`EXEC ${result.exitCode} ${result.output}`);
} else {
  const description = await sandbox.describe();
  process.stdout.write(`DESCRIBED ${description.runtime}\n`);
}
