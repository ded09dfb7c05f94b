import { FALLBACK_HOURLY_PRICES } from '@ml-intern/tools-hf';
import { readStoredHfToken } from '../interactive/hf-token.js';
import { sandboxLeaseDir, spaceHubOptions } from '../runtime/space-sandboxes.js';

function tokenOrExplain(): string | undefined {
  const token = process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN || readStoredHfToken(process.env);
  if (!token) process.stderr.write('ml-intern: sandbox Spaces live on your Hugging Face account: set HF_TOKEN (or run `ml-intern` once and paste a token)\n');
  return token;
}

function age(fromIso: string | undefined, now: number): { text: string; hours: number } | undefined {
  const from = fromIso ? Date.parse(fromIso) : Number.NaN;
  if (!Number.isFinite(from)) return undefined;
  const minutes = Math.max(0, Math.round((now - from) / 60_000));
  const text = minutes < 60 ? `${minutes}m` : minutes < 48 * 60 ? `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m` : `${Math.floor(minutes / 1440)}d`;
  return { text, hours: (now - from) / 3_600_000 };
}

/** `ml-intern sandboxes`: the user's sandbox Spaces, their age, hardware, cost so far and who holds them. */
export async function listSandboxes(): Promise<number> {
  const token = tokenOrExplain();
  if (!token) return 2;
  const { createSpaceLeaseStore, listSandboxSpaces } = await import('@ml-intern/sandbox');
  const leases = createSpaceLeaseStore(sandboxLeaseDir(process.env));
  let spaces;
  try {
    spaces = await listSandboxSpaces(spaceHubOptions(process.env, token));
  } catch (error) {
    process.stderr.write(`ml-intern: cannot list sandbox Spaces: ${(error as Error).message}\n`);
    return 1;
  }
  if (spaces.length === 0) {
    process.stdout.write('No sandbox Spaces on this account.\n');
    return 0;
  }
  const now = Date.now();
  const rows = spaces.map((space) => {
    const lease = leases.list().find((one) => one.repoId === space.repoId);
    const hardware = space.hardware ?? lease?.hardware ?? '?';
    const lived = age(lease?.createdAt ?? space.createdAt, now);
    const hourly = lease?.hourlyUsd ?? (hardware === 'cpu-basic' ? 0 : FALLBACK_HOURLY_PRICES[hardware]);
    const cost = lived && hourly !== undefined ? `$${(lived.hours * hourly).toFixed(2)}` : '?';
    const holder = lease && leases.isLive(lease) ? `held by a live session (pid ${lease.pid})` : lease ? 'left behind by an ended run' : 'not from this machine';
    return [space.repoId, lived?.text ?? '?', hardware, space.stage ?? '?', cost, holder];
  });
  const header = ['SPACE', 'AGE', 'HARDWARE', 'STAGE', 'COST SO FAR', 'STATUS'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd()}\n`);
  return 0;
}

/** `ml-intern sandboxes delete <repo id | 8-hex suffix> | --all`. */
export async function deleteSandboxes(target: string | undefined, options: { all?: boolean }): Promise<number> {
  if (!target && !options.all) {
    process.stderr.write('ml-intern: name a sandbox (its repo id or 8-hex suffix), or pass --all\n');
    return 2;
  }
  const token = tokenOrExplain();
  if (!token) return 2;
  const { createSpaceLeaseStore, deleteSpaceSandbox, listSandboxSpaces } = await import('@ml-intern/sandbox');
  const hub = spaceHubOptions(process.env, token);
  const leases = createSpaceLeaseStore(sandboxLeaseDir(process.env));
  let spaces;
  try {
    spaces = await listSandboxSpaces(hub);
  } catch (error) {
    process.stderr.write(`ml-intern: cannot list sandbox Spaces: ${(error as Error).message}\n`);
    return 1;
  }
  const live = (repoId: string) => leases.list().some((lease) => lease.repoId === repoId && leases.isLive(lease));
  let chosen: string[];
  if (options.all) {
    chosen = spaces.map((space) => space.repoId).filter((repoId) => {
      if (!live(repoId)) return true;
      process.stdout.write(`Skipped ${repoId}: a live session holds it.\n`);
      return false;
    });
  } else {
    const wanted = target as string;
    chosen = spaces.map((space) => space.repoId).filter((repoId) => repoId === wanted || repoId.endsWith(`-${wanted}`));
    if (chosen.length === 0) {
      process.stderr.write(`ml-intern: no sandbox Space matches "${wanted}" (see \`ml-intern sandboxes\`)\n`);
      return 1;
    }
  }
  let failed = 0;
  for (const repoId of chosen) {
    try {
      await deleteSpaceSandbox(repoId, { ...hub, leases });
      process.stdout.write(`Deleted ${repoId}.\n`);
    } catch (error) {
      failed += 1;
      process.stderr.write(`ml-intern: could not delete ${repoId}: ${(error as Error).message}\n`);
    }
  }
  if (chosen.length === 0) process.stdout.write('Nothing to delete.\n');
  return failed > 0 ? 1 : 0;
}
