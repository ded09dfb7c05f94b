#!/usr/bin/env node
import { Command, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { runProgram } from './program.js';
import { configFlags } from './runtime/config-flags.js';

// Everything beyond argument parsing is imported lazily, so `--version` and `--help` stay fast.

// exitOverride: runProgram maps usage errors to exit code 2.
const program = new Command()
  .exitOverride()
  .name('ml-intern')
  .description('An autonomous ML engineering agent: research, write and run ML code, ship results to the Hugging Face Hub.')
  .version(packageJson.version, '-v, --version')
  .argument('[prompt...]', 'run one task and exit (use "-" to read it from stdin); without a prompt, start the interactive chat')
  .option('-m, --model <id>', 'model id, e.g. anthropic/claude-opus-4-6, openai/gpt-5.5, huggingface/<org>/<model>, ollama/<model>')
  .option('--max-iterations <n>', 'model calls per turn (-1 = unlimited)')
  .option('--no-stream', 'print the answer when it is complete instead of streaming it')
  .option('--yolo', 'approve every operation except those that always ask')
  .option('--budget-usd <usd>', 'stop auto-approving and end the run when this much is spent')
  .addOption(new Option('--approval <mode>', 'one-shot approvals: "auto" approves billable work (HF Jobs) within the cap (--budget-usd, else $5) and denies what must ask; "strict" denies everything that would ask').choices(['auto', 'strict']))
  .addOption(new Option('--output-format <format>', 'one-shot output').choices(['text', 'json', 'stream-json']).default('text'))
  .option('--resume <id>', 'resume a saved session by id, id prefix or path')
  .option('--last', 'resume the most recent session')
  .option('--no-fork', "with --resume or --last: continue that session's own log instead of a new session forked from it (refused while another run is using it)")
  .option('--config <file>', 'config file to use instead of ~/.config/ml-intern/cli_agent_config.json')
  .option('--cwd <dir>', 'workspace directory (default: the current directory)')
  .option('--sandbox <runtime>', 'where commands and file tools run: sandbox (bubblewrap here, the default), space[:<hardware>] (a private HF Space for this session, e.g. space:t4-small), local (unsandboxed)')
  .option('--sandbox-url <url>', 'run commands and file tools on a sandbox host (ml-intern-sandbox-host) at this URL; its token from ML_INTERN_SANDBOX_TOKEN')
  .option('--trust-project', "apply this project's .ml-intern/config.json and .env in full for this run, as if the folder were trusted (nothing is recorded)")
  .action(async (prompt: string[], options: Record<string, unknown>) => {
    const { runCli } = await import('./commands/run-cli.js');
    process.exitCode = await runCli(prompt, options, configFlags(options));
  });

program
  .command('demo')
  .description('offline demonstration: a scripted model drives the real tools on a small ML task (no API key needed)')
  .option('--cwd <dir>', 'where to create the demo workspace (default: a new temporary directory)')
  .action(async (_options: { cwd?: string }, command: Command) => {
    const { runDemo } = await import('./commands/demo.js');
    // optsWithGlobals: `--cwd` after the subcommand is parsed by the program's own option.
    process.exitCode = await runDemo(command.optsWithGlobals());
  });

const sessions = program.command('sessions').description('list saved sessions, newest first');
sessions.action(async () => {
  const { listSessions } = await import('./commands/sessions.js');
  process.exitCode = listSessions();
});
sessions
  .command('prune')
  .description('remove saved sessions (logs, spill files, scratch) last written longer ago than --older-than')
  .option('--older-than <age>', 'age such as 30d, 12h, 90m (default 30d)', '30d')
  .option('--dry-run', 'only list what would be removed')
  .action(async (options: { olderThan: string; dryRun?: boolean }) => {
    const { pruneSessions } = await import('./commands/sessions.js');
    process.exitCode = pruneSessions(options);
  });
sessions
  .command('show <id>')
  .description('replay a saved session (id, id prefix, "last" or path)')
  .option('--json', 'print the raw JSONL records')
  .option('--diff', 'print what the session changed in its workspace (from its checkpoints)')
  .action(async (id: string, options: { json?: boolean; diff?: boolean }) => {
    const { showSession } = await import('./commands/sessions.js');
    process.exitCode = await showSession(id, options);
  });

program
  .command('serve')
  .description('the web app: an HTTP API over sessions (operations in, server-sent events out) and the browser UI')
  .option('--port <port>', 'port to listen on (0: any free one)', '7860')
  .option('--host <host>', 'address to listen on; one that is not loopback needs ML_INTERN_SERVER_TOKEN or Hugging Face sign-in', '127.0.0.1')
  .option('--open', 'open the URL in a browser')
  .option('--workspace-root <dir>', 'session workspaces lie under it; a session without one gets a new folder here (default: the current directory)')
  .option('--idle-timeout <minutes>', 'close a session nobody watches after this long; its next message reopens it (default 30)')
  .action(async (options: { port?: string; host?: string; open?: boolean; workspaceRoot?: string; idleTimeout?: string }, command: Command) => {
    const { runServe } = await import('./commands/serve.js');
    const globals = command.optsWithGlobals();
    process.exitCode = await runServe({ ...options, ...(typeof globals.config === 'string' ? { config: globals.config } : {}) }, configFlags(globals));
  });

const sandboxes = program.command('sandboxes').description('list your sandbox Spaces: age, hardware, cost so far, and whether a live session holds them');
sandboxes.action(async () => {
  const { listSandboxes } = await import('./commands/sandboxes.js');
  process.exitCode = await listSandboxes();
});
sandboxes
  .command('delete [space]')
  .description('delete a sandbox Space (repo id or its 8-hex suffix), or all of them with --all (those a live session holds are skipped)')
  .option('--all', 'delete every sandbox Space no live session holds')
  .action(async (space: string | undefined, options: { all?: boolean }) => {
    const { deleteSandboxes } = await import('./commands/sandboxes.js');
    process.exitCode = await deleteSandboxes(space, options);
  });

program
  .command('jobs')
  .description("the HF jobs this machine's sessions launched: status, hardware, runtime and cost; reconciles reservations left open by runs that ended first")
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const { runJobsCommand } = await import('./commands/jobs.js');
    process.exitCode = await runJobsCommand(options);
  });

program
  .command('config')
  .description('configuration')
  .command('show')
  .description('print the merged configuration with secrets masked, and where each layer came from')
  .option('--config <file>', 'config file to use')
  .action(async (_options: { config?: string }, command: Command) => {
    const { showConfig } = await import('./commands/config-show.js');
    // optsWithGlobals: `--config` after the subcommand is parsed by the program's own option.
    process.exitCode = showConfig(command.optsWithGlobals());
  });

const mcpCommand = program.command('mcp').description('MCP servers');
mcpCommand
  .command('list')
  .description('start the configured MCP servers and show their status and tools')
  .option('--config <file>', 'config file to use')
  .action(async (_options: { config?: string }, command: Command) => {
    const { listMcp } = await import('./commands/mcp-list.js');
    process.exitCode = await listMcp(command.optsWithGlobals());
  });
mcpCommand
  .command('login <server>')
  .description('sign in to a remote MCP server with OAuth (opens the sign-in page; the tokens are kept for later runs)')
  .option('--config <file>', 'config file to use')
  .option('--no-browser', 'only print the sign-in URL')
  .action(async (server: string, _options: { config?: string; browser?: boolean }, command: Command) => {
    const { loginMcp } = await import('./commands/mcp-login.js');
    process.exitCode = await loginMcp(server, command.optsWithGlobals());
  });
mcpCommand
  .command('logout <server>')
  .description("forget a remote MCP server's OAuth tokens and client registration")
  .option('--config <file>', 'config file to use')
  .action(async (server: string, _options: { config?: string }, command: Command) => {
    const { logoutMcp } = await import('./commands/mcp-login.js');
    process.exitCode = await logoutMcp(server, command.optsWithGlobals());
  });

program
  .command('trust')
  .description("trust a project folder: its .ml-intern/config.json and .env may then set everything (MCP servers, approval rules, sandbox, endpoints); asked again when they change")
  .argument('[path]', 'the project folder (default: the current directory)')
  .option('--list', 'list the folders with a decision')
  .option('--revoke', 'forget the decision for the folder: it is untrusted again')
  .action(async (folder: string | undefined, options: { list?: boolean; revoke?: boolean }) => {
    const { runTrust } = await import('./commands/trust.js');
    process.exitCode = runTrust(folder, options);
  });

runProgram(program, 'ml-intern');
