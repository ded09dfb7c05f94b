import { statSync } from 'node:fs';
import path from 'node:path';
import {
  ConfigError,
  findTrustRecord,
  listTrustRecords,
  projectFingerprint,
  readProjectFiles,
  recordProjectTrust,
  revokeProjectTrust,
  trustStoreFile,
  untrustedProjectSettings,
  type TrustRecord,
} from '@ml-intern/core';
import { formatProjectSettings } from '../interactive/trust-prompt.js';

type Env = Record<string, string | undefined>;

export interface TrustCommandOptions {
  list?: boolean;
  revoke?: boolean;
}

/** Where the command reads and writes (injectable for tests). */
export interface TrustCommandIO {
  cwd: string;
  env: Env;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now?: () => Date;
}

const USAGE = 'usage: ml-intern trust [path] | ml-intern trust --list | ml-intern trust --revoke [path]';

function sameFiles(left: Record<string, string>, right: Record<string, string>): boolean {
  return Object.keys(left).length === Object.keys(right).length && Object.entries(left).every(([name, hash]) => right[name] === hash);
}

/** `changed` when the folder's files differ from those the decision was made for (it is asked again). */
function currentness(record: TrustRecord): string {
  if (!statSync(record.path, { throwIfNoEntry: false })?.isDirectory()) return ' (folder not found)';
  try {
    return sameFiles(projectFingerprint(readProjectFiles(record.path)), record.files) ? '' : ' (files changed since: undecided again)';
  } catch {
    return ' (files unreadable)';
  }
}

function list(file: string, io: TrustCommandIO): number {
  const records = listTrustRecords(file);
  if (records.length === 0) {
    io.stdout(`No folder decisions yet (${file}).\n`);
    return 0;
  }
  for (const record of records) {
    const files = Object.keys(record.files).join(', ') || 'no project files';
    io.stdout(`${record.decision === 'trusted' ? 'trusted  ' : 'untrusted'}  ${record.path}  ${record.decided_at}  [${files}]${currentness(record)}\n`);
  }
  return 0;
}

function revoke(file: string, folder: string, io: TrustCommandIO): number {
  // A folder that no longer exists can still be revoked by the path `--list` shows.
  const stored = findTrustRecord(file, folder) ? folder : readProjectFiles(folder).realRoot;
  if (!revokeProjectTrust(file, stored, io.now?.())) {
    io.stdout(`No decision recorded for ${stored}: it is untrusted.\n`);
    return 0;
  }
  io.stdout(`Revoked: ${stored} is untrusted again; its .ml-intern/config.json and .env apply only in part.\n`);
  return 0;
}

function trust(file: string, folder: string, io: TrustCommandIO): number {
  if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
    io.stderr(`ml-intern: ${folder} is not a directory\n`);
    return 2;
  }
  const project = readProjectFiles(folder);
  // Every variable the files set, whatever this shell has set already: the trust outlives it.
  const settings = untrustedProjectSettings(project, {});
  const record = recordProjectTrust(file, project, 'trusted', io.now?.());
  io.stdout(`Trusted ${record.path} (${record.decided_at}).\n`);
  const files = Object.entries(record.files);
  if (files.length === 0) io.stdout('It has no .ml-intern/config.json or .env yet; ml-intern asks again when one appears.\n');
  for (const [name, hash] of files) io.stdout(`  ${name}  sha256 ${hash.slice(0, 16)}…\n`);
  const lines = formatProjectSettings(settings);
  if (lines.length > 0) io.stdout(`Now applied in full:\n${lines.join('\n')}\n`);
  if (files.length > 0) io.stdout('ml-intern asks again when these files change. Undo with `ml-intern trust --revoke`.\n');
  return 0;
}

/**
 * `ml-intern trust [path]` trusts the project folder for its current `.ml-intern/config.json` and
 * `.env` files (after showing what they set); `--list` shows every decision; `--revoke [path]`
 * forgets one. Exit codes: 0 ok, 1 the store could not be written, 2 usage.
 */
export function runTrust(folder: string | undefined, options: TrustCommandOptions, io: TrustCommandIO = defaultIO()): number {
  if (options.list && (options.revoke || folder !== undefined)) {
    io.stderr(`ml-intern: --list takes no path and no --revoke\n${USAGE}\n`);
    return 2;
  }
  const file = trustStoreFile(io.env);
  const target = path.resolve(io.cwd, folder ?? '.');
  try {
    if (options.list) return list(file, io);
    if (options.revoke) return revoke(file, target, io);
    return trust(file, target, io);
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    io.stderr(`ml-intern: ${(error as Error).message}\n`);
    return (error as Error).message.startsWith('cannot write the trust store') ? 1 : 2;
  }
}

function defaultIO(): TrustCommandIO {
  return { cwd: process.cwd(), env: process.env, stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) };
}
