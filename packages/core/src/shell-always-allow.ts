import path from 'node:path';
import { normaliseSpaces } from './shell-rules.js';
import type { ShellAnalysis, SimpleCommand } from './shell-types.js';

/**
 * The "always allow" scope offered when a user approves a command: the narrowest rule patterns
 * that cover it (`pip install numpy` → `pip install *`; an interpreter or unknown program → the
 * exact command), or none when nothing narrow enough exists.
 */

/** Programs whose first argument is a subcommand: "always" covers `git status *`, not `git *`. */
const SUBCOMMAND_PROGRAMS = new Set([
  'git',
  'pip',
  'pip3',
  'uv',
  'conda',
  'mamba',
  'micromamba',
  'npm',
  'pnpm',
  'yarn',
  'bun',
  'docker',
  'podman',
  'kubectl',
  'helm',
  'cargo',
  'go',
  'apt',
  'apt-get',
  'brew',
  'huggingface-cli',
  'hf',
  'gh',
  'poetry',
  'pipx',
  'pdm',
  'hatch',
  'accelerate',
  'wandb',
  'dvc',
  'modal',
  'gcloud',
  'aws',
  'az',
  'kaggle',
  'jupyter',
  'rustup',
  'pyenv',
  'ollama',
  'systemctl',
  'tmux',
]);

/** Programs that run code from a file or their arguments: "always" covers the exact command only. */
const INTERPRETERS = /^(python[0-9.]*|pypy[0-9.]*|node|nodejs|deno|bash|sh|dash|zsh|ksh|fish|perl|ruby|Rscript|R|php|lua|julia|java|tclsh|awk|gawk|mawk|nawk|sed|make|source|\.|torchrun|deepspeed)$/;

function escapePattern(word: string): string {
  const normalised = normaliseSpaces(word);
  return normalised === '' ? "''" : normalised.replace(/[\\*]/g, (char) => `\\${char}`);
}

/**
 * The narrowest useful "always allow" patterns for a command, one per distinct simple command:
 * `pip install numpy` → `pip install *` (which also matches `pip install`); an interpreter or
 * an unknown program → the exact command (`python train.py`); a path → the exact command.
 * Undefined when nothing narrow enough exists: an opaque command, an interpreter reading its
 * program from standard input, a dynamic program, subcommand or interpreter argument.
 */
export function alwaysAllowScope(analysis: ShellAnalysis): { patterns: string[]; description: string } | undefined {
  if (analysis.kind !== 'commands' || analysis.commands.length === 0) return undefined;
  const patterns: string[] = [];
  const descriptions: string[] = [];
  for (const command of analysis.commands) {
    const scope = commandScope(command);
    if (!scope) return undefined;
    if (patterns.includes(scope.pattern)) continue;
    patterns.push(scope.pattern);
    descriptions.push(scope.description);
  }
  return { patterns, description: descriptions.join(', ') };
}

function commandScope(command: SimpleCommand): { pattern: string; description: string } | undefined {
  const { words } = command;
  const program = words[0];
  if (program === undefined || command.dynamic?.[0] || /\s/.test(program) || program === '') return undefined;
  const subcommand = words[1];
  if (SUBCOMMAND_PROGRAMS.has(program) && subcommand !== undefined && !command.dynamic?.[1] && /^[a-z][a-z0-9_-]*$/i.test(subcommand)) {
    const prefix = `${program} ${subcommand}`;
    return { pattern: `${prefix} *`, description: `${prefix} …` };
  }
  // Exact command: every word must be literal, and an interpreter must name its program.
  if (command.dynamic?.some(Boolean) || command.appendsArguments) return undefined;
  const base = path.posix.basename(program);
  if (INTERPRETERS.test(base) && words.slice(1).every((word) => word.startsWith('-'))) return undefined;
  const exact = words.map((word) => normaliseSpaces(word)).join(' ');
  return { pattern: words.map(escapePattern).join(' '), description: exact.length > 80 ? `${exact.slice(0, 79)}…` : exact };
}
