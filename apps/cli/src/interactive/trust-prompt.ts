import { ConfigError, recordProjectTrust, resolveProjectTrust, trustStoreFile, untrustedProjectSettings, type UntrustedProjectSettings } from '@ml-intern/core';
import type { TerminalOutput } from './screen-writer.js';
import { openTerminalQuestion } from './terminal-question.js';
import type { TerminalStyle } from './terminal-style.js';

type Env = Record<string, string | undefined>;

/** A value is shown in full up to this many characters (a planted 1 MB string would bury the question). */
const MAX_VALUE_CHARS = 2000;

/**
 * JSON of a project setting, printable as is: JSON escapes C0 controls; C1 controls, bidirectional
 * overrides and invisible characters are escaped too, so a value cannot hide or disguise itself.
 */
export function printableValue(value: unknown): string {
  const text = (JSON.stringify(value) ?? 'null').replace(/[\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}… (${text.length - MAX_VALUE_CHARS} more characters)` : text;
}

/** The lines that show what a project's files would change: each config setting, and `.env` names (never values). */
export function formatProjectSettings(settings: Pick<UntrustedProjectSettings, 'config' | 'env'>, style?: TerminalStyle): string[] {
  const bold = style?.bold ?? ((text: string) => text);
  const lines: string[] = [];
  if (settings.config.length > 0) {
    lines.push(`  ${bold('.ml-intern/config.json')} would set:`);
    for (const { key, value } of settings.config) lines.push(`    ${printableValue(key).slice(1, -1)}: ${printableValue(value)}`);
  }
  if (settings.env.length > 0) lines.push(`  ${bold('.env')} would set (values not shown): ${settings.env.join(', ')}`);
  return lines;
}

/** The terminal and environment for the trust question. */
export interface ProjectTrustPromptOptions {
  cwd: string;
  /** The real environment (it locates the trust store and says which `.env` variables would change). */
  env: Env;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: TerminalOutput;
}

/**
 * Before an interactive session: when the project's `.ml-intern/config.json` or `.env` would change
 * settings an untrusted folder may not, and no decision is recorded for their current content, ask
 * once and record the answer (trust, or don't trust) for these files. Asks only on a terminal.
 * Returns true when the user trusted the folder but the decision could not be saved, so the caller
 * applies it for this run anyway.
 */
export async function askProjectTrust(options: ProjectTrustPromptOptions): Promise<boolean> {
  if (options.input.isTTY !== true || options.output.isTTY !== true) return false;
  const state = resolveProjectTrust({ cwd: options.cwd, env: options.env });
  if (state.source === 'store') return false;
  const settings = untrustedProjectSettings(state.project, options.env);
  if (settings.config.length === 0 && settings.env.length === 0) return false;

  const question = openTerminalQuestion(options);
  const { writer, style } = question;
  try {
    writer.ensureBlankLine();
    writer.line(`${style.yellow('This project wants to configure ml-intern:')} ${settings.root}`);
    for (const line of formatProjectSettings(settings, style)) writer.line(line);
    writer.line('Only trust folders whose files you wrote or checked: these settings can run commands on this machine');
    writer.line('(MCP servers), approve tool calls, open the sandbox, and send your tokens to other endpoints.');
    writer.line(style.dim('Untrusted, only model_name, max_iterations, reasoning_effort, compaction and .env credentials apply.'));
    const answer = await question.ask('Trust this folder? [t]rust / [N]o: ');
    if (answer === undefined) {
      writer.line(style.dim('Not answered: the folder stays untrusted for this run.'));
      return false;
    }
    const decision = /^(t|trust|y|yes)$/i.test(answer.trim()) ? 'trusted' : 'untrusted';
    try {
      recordProjectTrust(trustStoreFile(options.env), state.project, decision);
    } catch (error) {
      if (!ConfigError.isInstance(error)) throw error;
      writer.line(style.red(`${(error as Error).message}; the decision applies to this run only.`));
      return decision === 'trusted';
    }
    writer.line(
      decision === 'trusted'
        ? `${style.green('Trusted.')} ml-intern asks again when these files change; \`ml-intern trust --revoke\` undoes it.`
        : `Not trusted (remembered until these files change). Trust it later with \`ml-intern trust ${settings.root}\`.`,
    );
    return false;
  } finally {
    question.close();
  }
}
