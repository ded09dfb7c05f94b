import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readSmallTextFile } from '../runtime/project-instructions.js';

/** A slash command defined by a Markdown file: its body is sent as the user's message. */
export interface CustomCommand {
  name: string;
  description: string;
  /** The prompt template; `$ARGUMENTS` is replaced with what follows the command. */
  body: string;
  file: string;
  scope: 'user' | 'project';
}

/** Custom commands by name, and what to tell the user about files that were not loaded. */
export interface LoadedCustomCommands {
  commands: Map<string, CustomCommand>;
  notices: string[];
}

/** A command file is a prompt, not a document: larger ones are refused. */
export const MAX_COMMAND_FILE_BYTES = 64 * 1024;
/** At most this many files are looked at per folder. */
const MAX_COMMAND_FILES = 200;

const NAME = /^[a-z0-9][a-z0-9_.:-]*$/;

/** Split optional front matter (`---` … `---`) from the body; only `description:` is used. */
export function parseCommandFile(text: string): { description: string | undefined; body: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!match) return { description: undefined, body: text.trim() };
  let description: string | undefined;
  for (const line of (match[1] ?? '').split(/\r?\n/)) {
    const field = /^description:\s*(.*)$/.exec(line.trim());
    if (field) description = (field[1] ?? '').replace(/^(["'])(.*)\1$/, '$2').trim() || undefined;
  }
  return { description, body: text.slice(match[0].length).trim() };
}

function readCommandsFolder(folder: string, scope: 'user' | 'project', reserved: ReadonlySet<string>, into: LoadedCustomCommands): void {
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => name.toLowerCase().endsWith('.md')).sort().slice(0, MAX_COMMAND_FILES);
  } catch {
    return; // No folder (or not a folder): no commands.
  }
  for (const fileName of names) {
    const file = path.join(folder, fileName);
    const name = fileName.slice(0, -3).toLowerCase();
    if (!NAME.test(name)) {
      into.notices.push(`Custom command ${file} ignored: a command name is letters, digits, - _ . : (starting with a letter or digit).`);
      continue;
    }
    if (reserved.has(name)) {
      into.notices.push(`Custom command /${name} (${file}) ignored: /${name} is a built-in command. Rename the file.`);
      continue;
    }
    const read = readSmallTextFile(file, MAX_COMMAND_FILE_BYTES);
    if (!read) continue;
    if ('skipped' in read) {
      into.notices.push(`Custom command ${file} ignored: it ${read.skipped}.`);
      continue;
    }
    if (read.cut) {
      into.notices.push(`Custom command ${file} ignored: it is larger than ${MAX_COMMAND_FILE_BYTES / 1024} KiB.`);
      continue;
    }
    const { description, body } = parseCommandFile(read.text);
    if (!body) {
      into.notices.push(`Custom command ${file} ignored: it is empty.`);
      continue;
    }
    const firstLine = body.split('\n').find((line) => line.trim())?.trim() ?? '';
    // A project command replaces the user's command of the same name.
    into.commands.set(name, { name, description: description ?? firstLine.slice(0, 60), body, file, scope });
  }
}

/**
 * Custom commands from `<user config dir>/commands/*.md`, then `<project root>/.ml-intern/commands/*.md`
 * (only when the project is trusted: an untrusted project's commands are announced, not loaded).
 * Names that clash with a built-in command are refused with a notice.
 */
export function loadCustomCommands(options: { userDir: string; projectRoot: string; trusted: boolean; reserved: Iterable<string> }): LoadedCustomCommands {
  const reserved = new Set([...options.reserved].map((name) => name.toLowerCase()));
  const loaded: LoadedCustomCommands = { commands: new Map(), notices: [] };
  readCommandsFolder(path.join(options.userDir, 'commands'), 'user', reserved, loaded);
  const projectFolder = path.join(options.projectRoot, '.ml-intern', 'commands');
  if (options.trusted) {
    readCommandsFolder(projectFolder, 'project', reserved, loaded);
  } else {
    let count = 0;
    try {
      count = readdirSync(projectFolder).filter((name) => name.toLowerCase().endsWith('.md')).length;
    } catch {
      // No project commands.
    }
    if (count > 0) {
      loaded.notices.push(
        `This project's custom commands (${count} in ${projectFolder}) are not loaded: the folder is not trusted. Trust it with \`ml-intern trust\` or start with --trust-project.`,
      );
    }
  }
  return loaded;
}

/** The message a custom command sends: `$ARGUMENTS` replaced, or the arguments appended when the file does not use it. */
export function expandCustomCommand(command: CustomCommand, argumentsText: string): string {
  const args = argumentsText.trim();
  if (command.body.includes('$ARGUMENTS')) return command.body.split('$ARGUMENTS').join(args);
  return args ? `${command.body}\n\nArguments: ${args}` : command.body;
}
