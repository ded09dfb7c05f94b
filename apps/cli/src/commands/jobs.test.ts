import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JsonlSessionStore, readSessionLog } from '@ml-intern/context';
import { openReservations } from '@ml-intern/core';
import { startFakeHub, temporaryDirectories, type FakeHub } from '@ml-intern/testing';
import { afterEach, describe, expect, test } from 'vitest';
import { runJobsCommand } from './jobs.js';

const directories = temporaryDirectories();
afterEach(() => directories.removeAll());

const hubs: FakeHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

async function finishJob(hub: FakeHub, id: string): Promise<void> {
  await fetch(`${hub.hubUrl}/api/jobs/tester/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${hub.token}` } });
}

async function createJob(hub: FakeHub, flavor: string): Promise<string> {
  const response = await fetch(`${hub.hubUrl}/api/jobs/tester`, { method: 'POST', headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ dockerImage: 'python:3.12', command: ['python', '-c', '1'], flavor }) });
  return ((await response.json()) as { id: string }).id;
}

/** A session log as a run writes it: a job reserved at approval, then `running` when the run ended. */
function writeSession(dataHome: string, id: string, events: Record<string, unknown>[]): string {
  const dir = path.join(dataHome, 'ml-intern', 'sessions');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${id}.jsonl`);
  const header = { kind: 'header', id, model: 'scripted/model', cwd: '/tmp', started_at: '2026-01-01T00:00:00.000Z', config_digest: 'abc' };
  const lines = [header, { kind: 'message', message: { role: 'user', content: 'train it' } }, ...events.map((event, seq) => ({ kind: 'event', event: { session_id: id, seq, ts: '2026-01-01T00:00:01.000Z', ...event } }))];
  writeFileSync(file, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
  return file;
}

function reservation(jobId: string, state: string, extra: Record<string, unknown> = {}) {
  return { type: 'cost_reservation', tool_call_id: `call_${jobId}`, tool: 'hf_jobs', state, reserved_usd: 3, actual_usd: null, resource: { kind: 'hf_job', id: jobId, namespace: 'tester', hourly_usd: 1.5 }, ...extra };
}

describe('ml-intern jobs', () => {
  test('lists the jobs sessions launched with status, hardware, runtime and cost, and reconciles reservations left open', async () => {
    const hub = await startFakeHub();
    hubs.push(hub);
    const finished = await createJob(hub, 'a10g-large');
    const running = await createJob(hub, 't4-small');
    await finishJob(hub, finished);
    const dataHome = directories.make('ml-intern-jobs-');
    const ended = writeSession(dataHome, '11111111-aaaa', [reservation(finished, 'reserved'), reservation(finished, 'running')]);
    writeSession(dataHome, '22222222-bbbb', [{ type: 'tool_state_change', tool_call_id: 'call_x', tool: 'hf_jobs', state: 'running', jobUrl: `${hub.hubUrl}/jobs/tester/${running}` }]);
    const env = { XDG_DATA_HOME: dataHome, HF_ENDPOINT: hub.hubUrl, HF_TOKEN: hub.token, HOME: dataHome };
    let out = '';
    expect(await runJobsCommand({ env, write: (text) => (out += text) })).toBe(0);
    expect(out).toMatch(new RegExp(`tester/${finished}\\s+CANCELED\\s+a10g-large\\s+\\d+m\\s+\\$0\\.00 reconciled now \\(reserved \\$3\\.00\\)\\s+11111111`));
    expect(out).toMatch(new RegExp(`tester/${running}\\s+RUNNING\\s+t4-small\\s+\\d+m\\s+\\$0\\.00 so far\\s+22222222`));
    expect(out).toContain(`- ${finished}: $0.00 instead of the $3.00 reserved (session 11111111)`);
    expect(out).not.toContain(hub.token);

    // The ended run's log now closes the reservation: resuming it does not count the job again.
    const records = readSessionLog(ended).records;
    expect(openReservations(records)).toEqual([]);
    expect(records.at(-1)).toMatchObject({ kind: 'event', event: { type: 'cost_reservation', state: 'reconciled', actual_usd: 0, seq: 2, tool_call_id: `call_${finished}` } });

    // Reconciled once: the next listing reads the cost from the log and writes nothing.
    const before = readFileSync(ended, 'utf8');
    let again = '';
    await runJobsCommand({ env, write: (text) => (again += text) });
    expect(again).toMatch(/\$0\.00 reconciled\s+11111111/);
    expect(readFileSync(ended, 'utf8')).toBe(before);
  });

  test('leaves a reservation to the live run that holds its session, and reports jobs it cannot read', async () => {
    const hub = await startFakeHub();
    hubs.push(hub);
    const finished = await createJob(hub, 'a10g-large');
    await finishJob(hub, finished);
    const dataHome = directories.make('ml-intern-jobs-');
    const file = writeSession(dataHome, '33333333-cccc', [reservation(finished, 'running'), reservation('missing-job', 'running')]);
    const lock = new JsonlSessionStore(path.join(dataHome, 'ml-intern', 'sessions')).lock('33333333-cccc');
    try {
      let out = '';
      const json = await runJobsCommand({ env: { XDG_DATA_HOME: dataHome, HF_ENDPOINT: hub.hubUrl, HF_TOKEN: hub.token, HOME: dataHome }, write: (text) => (out += text) });
      expect(json).toBe(0);
      expect(out).toContain(`- ${finished}: session 33333333 is running; it reconciles the job itself.`);
      expect(out).toMatch(/tester\/missing-job\s+\? \(.*not found/i);
      expect(openReservations(readSessionLog(file).records)).toHaveLength(2);
    } finally {
      lock.release();
    }
  });

  test('says so when no session launched a job, and asks for a token only when it needs one', async () => {
    const dataHome = directories.make('ml-intern-jobs-');
    let out = '';
    expect(await runJobsCommand({ env: { XDG_DATA_HOME: dataHome, HOME: dataHome }, write: (text) => (out += text) })).toBe(0);
    expect(out).toContain('No HF jobs launched by the sessions in');
    writeSession(dataHome, '44444444-dddd', [reservation('abc', 'running')]);
    let error = '';
    expect(await runJobsCommand({ env: { XDG_DATA_HOME: dataHome, HOME: dataHome, HF_HOME: path.join(dataHome, 'hf') }, write: () => {}, writeError: (text) => (error += text) })).toBe(2);
    expect(error).toContain('set HF_TOKEN');
  });
});
