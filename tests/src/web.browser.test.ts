import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startFakeHub, startFakeOpenAI, temporaryDirectories, testPng, type OpenAIScriptStep } from '@ml-intern/testing';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, isolatedEnv, root } from './run-binary.js';

const directories = temporaryDirectories();
afterAll(() => directories.removeAll());

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(root, 'apps/web/screenshots');
const SERVER_TOKEN = 'web-browser-test-token-0123456789';
/** For what waits on the server (a busy CI machine answers slower than the default second). */
const WAIT = { timeout: 15_000 };

const TRAIN_SCRIPT = [
  'from datasets import load_dataset',
  'from trl import SFTConfig, SFTTrainer',
  '',
  'dataset = load_dataset("tester/chat-demo", split="train")',
  'trainer = SFTTrainer(model="tester/tiny-base", train_dataset=dataset, args=SFTConfig(output_dir="out", max_steps=4, push_to_hub=True, hub_model_id="tester/tiny-model-sft"))',
  'trainer.train()',
  '',
].join('\n');

const FINAL_ANSWER = [
  '## Done',
  '',
  'The job finished and pushed the model to `tester/tiny-model-sft`.',
  '',
  '| step | loss |',
  '| ---: | ---: |',
  '| 1 | 2.31 |',
  '| 4 | 1.20 |',
  '',
  '<img src="x" onerror="window.__xss = 1"><script>window.__xss = 2</script>',
].join('\n');

/** The scripted model: a plan, a slow command, an HF Job that needs approval, then a Markdown answer. */
const STEPS: OpenAIScriptStep[] = [
  {
    text: "I'll plan this, look at the data, then train on a T4.",
    textChunks: 12,
    delayMs: 30,
    toolCalls: [
      {
        name: 'plan_tool',
        arguments: {
          todos: [
            { id: '1', content: 'Check the training data', status: 'in_progress' },
            { id: '2', content: 'Fine-tune on a T4 with an HF Job', status: 'pending' },
            { id: '3', content: 'Report the results', status: 'pending' },
          ],
        },
      },
    ],
  },
  { toolCalls: [{ name: 'bash', arguments: { command: `echo ${testPng(160, 90).toString('base64')} | base64 -d > loss.png; for i in $(seq 1 12); do echo "row $i"; sleep 0.4; done`, description: 'count the rows' } }] },
  {
    text: 'The data looks fine. Launching the training job.',
    toolCalls: [{ name: 'read', arguments: { path: 'loss.png' } }, { name: 'hf_jobs', arguments: { operation: 'run', script: TRAIN_SCRIPT, hardware_flavor: 't4-small', timeout: '30m', wait_seconds: 30, trackio_space_id: 'trackio-dashboard', trackio_project: 'sft-demo' } }],
  },
  { text: FINAL_ANSWER, textChunks: 20, delayMs: 15 },
  // The second session: a command that would run for a long time, stopped from the page.
  { toolCalls: [{ name: 'bash', arguments: { command: 'for i in $(seq 1 200); do echo "tick $i"; sleep 0.2; done', description: 'count slowly' } }] },
];

interface Serve {
  url: string;
  child: ChildProcess;
  output: () => string;
}

/** `ml-intern serve` from the built bin, on a free port; resolves with the URL it prints. */
async function startServe(env: Record<string, string>, cwd: string): Promise<Serve> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--workspace-root', cwd], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ml-intern serve printed no URL:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ml-intern serve exited with ${code}:\n${output}`));
    });
  });
  return { url, child, output: () => output };
}

/** Only the server under test is reachable; a Trackio dashboard Space gets a local stand-in page. */
async function isolate(context: BrowserContext, origin: string): Promise<string[]> {
  const blocked: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
    if (/^https:\/\/[a-z0-9-]+\.hf\.space\//.test(url)) {
      return route.fulfill({ contentType: 'text/html', body: '<!doctype html><body style="font:14px system-ui;margin:16px;color:#555">Trackio dashboard (stand-in page: the test reaches no network)</body>' });
    }
    blocked.push(url);
    return route.abort();
  });
  return blocked;
}

/** The script a job was created with (the tool ships it base64-encoded in the command). */
function jobScript(job: { request: Record<string, unknown> }): string {
  const command = Array.isArray(job.request.command) ? job.request.command.join(' ') : '';
  const encoded = /printf %s (\S+) \| base64 -d/.exec(command)?.[1];
  return encoded ? Buffer.from(encoded, 'base64').toString('utf8') : command;
}

function shot(page: Page, name: string) {
  return page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

describe.skipIf(!existsSync(CHROMIUM))('the web UI in headless Chromium against ml-intern serve', () => {
  let hub: Awaited<ReturnType<typeof startFakeHub>>;
  let openai: Awaited<ReturnType<typeof startFakeOpenAI>>;
  let serve: Serve;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // The job's log arrives in one stream, a line every 100 ms, then it completes.
    hub = await startFakeHub({
      logLineDelayMs: 100,
      jobScript: {
        chunks: [['Installed 12 packages in 250ms', 'Loading dataset tester/chat-demo', 'step 2/8 loss=2.31', 'step 4/8 loss=1.87', 'step 6/8 loss=1.52', 'step 8/8 loss=1.20', 'Pushed model to tester/tiny-model-sft']],
        releasePerRequest: Infinity,
      },
    });
    openai = await startFakeOpenAI({ steps: STEPS, fallbackText: 'tester/chat-demo has 2,000 conversations in the `messages` format: SFTTrainer takes it as it is.' });
    const workspaceRoot = directories.make('ml-intern-web-');
    const env = isolatedEnv({
      OPENAI_BASE_URL: openai.baseURL,
      OPENAI_API_KEY: 'sk-test-key-0123456789abcdef',
      ML_INTERN_MODEL: 'openai/gpt-4o',
      HF_ENDPOINT: hub.hubUrl,
      HF_TOKEN: hub.token,
      ML_INTERN_SERVER_TOKEN: SERVER_TOKEN,
    });
    serve = await startServe(env, workspaceRoot);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (serve?.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await once(serve.child, 'exit');
    }
    await openai?.close();
    await hub?.close();
  });

  it('streams a turn with live tool cards, survives a reload mid-turn, runs an approved HF Job, lists and reopens the session, and fits a phone', async () => {
    const origin = new URL(serve.url).origin;
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
    const blocked = await isolate(context, origin);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await walkThrough(page, context, origin, pageErrors, blocked);
    } catch (error) {
      // What the page and the server showed, for a failure that happens only on some machine.
      const body = await page.locator('body').innerText().catch(() => '(no page)');
      throw new Error(`${(error as Error).message}\n--- page ---\n${body.slice(-3000)}\n--- page errors ---\n${pageErrors.join('\n')}\n--- serve ---\n${serve.output().slice(-3000)}`, { cause: error });
    } finally {
      await context.close();
    }
  }, 150_000);

  async function walkThrough(page: Page, context: BrowserContext, origin: string, pageErrors: string[], blocked: string[]): Promise<void> {

    // The printed URL sets the cookie and lands on the UI without the token in the address.
    await page.goto(serve.url);
    expect(page.url()).not.toContain('token=');
    await page.getByRole('heading', { name: 'What should the intern work on?' }).waitFor();

    await page.getByRole('textbox', { name: 'Message' }).fill('Fine-tune a tiny chat model on tester/chat-demo');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.url(), { timeout: 20_000 }).toMatch(/#\/s\/[\w-]+$/);
    const sessionId = new URL(page.url()).hash.replace('#/s/', '');

    // Streamed text, then the plan in the sidebar.
    await page.getByText("I'll plan this, look at the data, then train on a T4.").waitFor();
    await page.getByRole('region', { name: 'Plan' }).getByText('Fine-tune on a T4 with an HF Job').waitFor();

    // The command's card streams its output; a sandbox with network asks first.
    const bash = page.locator('[data-tool-call]', { has: page.locator('.tool-name', { hasText: 'bash' }) });
    await bash.waitFor();
    const bashApproval = page.locator('[data-approval]', { hasText: 'bash' });
    const first = await Promise.race([
      bashApproval.waitFor({ timeout: 20_000 }).then(() => 'asked' as const),
      bash.locator('.log', { hasText: 'row 1' }).waitFor({ timeout: 20_000 }).then(() => 'ran' as const),
    ]);
    if (first === 'asked') await bashApproval.getByRole('button', { name: 'Approve', exact: true }).click();
    await bash.locator('.log', { hasText: 'row 2' }).waitFor({ timeout: 20_000 });
    await expect.poll(() => bash.getAttribute('data-state')).toBe('running');
    await shot(page, 'chat-tool-running');

    // Reload mid-command: the replay brings back what was shown and the rest keeps arriving.
    await page.reload();
    const bashAgain = page.locator('[data-tool-call]', { has: page.locator('.tool-name', { hasText: 'bash' }) });
    await bashAgain.waitFor();
    await expect.poll(() => bashAgain.getAttribute('data-state'), { timeout: 20_000 }).toBe('completed');
    if (!(await bashAgain.locator('.tool-body').isVisible())) await bashAgain.locator('.tool-head').click();
    const rows = (await bashAgain.locator('.output-text').innerText()).match(/row \d+/g);
    expect(rows).toEqual(Array.from({ length: 12 }, (_, index) => `row ${index + 1}`));
    const logText = await bashAgain.locator('.log').innerText();
    for (let row = 1; row <= 12; row += 1) expect(logText.match(new RegExp(`row ${row}\\b`, 'g'))?.length ?? 0, `row ${row} once in the log`).toBe(1);
    await bashAgain.locator('.tool-head').click();
    await bashAgain.locator('.tool-body').waitFor({ state: 'detached' });

    // The HF Job waits for approval: its card shows the script, the cost and the four answers.
    const approval = page.locator('[data-approval]', { hasText: 'hf_jobs' });
    await approval.waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('[data-status]').getAttribute('data-status'), WAIT).toBe('awaiting_approval');
    await expect.poll(() => approval.locator('.script').innerText(), WAIT).toContain('SFTTrainer');
    for (const name of ['Approve', 'Reject…', 'Always', 'Edit']) await approval.getByRole('button', { name, exact: true }).waitFor();
    await approval.scrollIntoViewIfNeeded();
    await shot(page, 'approval');

    // Edit the script before it runs: the job receives the edited one.
    await approval.getByRole('button', { name: 'Edit' }).click();
    const editor = approval.locator('textarea');
    await editor.fill(TRAIN_SCRIPT.replace('max_steps=4', 'max_steps=8'));
    await approval.getByRole('button', { name: 'Run edited' }).click();
    await approval.waitFor({ state: 'detached' });

    // The job card follows the job: its page, logs, GPU chart, the Trackio dashboard, its end.
    const job = page.locator('[data-tool-call]', { has: page.locator('.tool-name', { hasText: 'hf_jobs' }) });
    await job.locator('.job .badge', { hasText: 'completed' }).waitFor({ timeout: 30_000 });
    await job.locator('.job-id').waitFor();
    await job.locator('figure.spark', { hasText: 'GPU util' }).waitFor();
    await expect.poll(() => job.locator('iframe[title="Trackio dashboard"]').getAttribute('src'), WAIT).toMatch(/^https:\/\/[a-z0-9-]+-trackio-dashboard\.hf\.space\/\?project=sft-demo/);
    expect([...hub.jobs.values()].map(jobScript)).toEqual([expect.stringContaining('max_steps=8')]);

    // The final answer is Markdown, rendered and sanitised.
    await page.getByRole('heading', { name: 'Done' }).waitFor({ timeout: 20_000 });
    await page.locator('.md table td', { hasText: '1.20' }).waitFor();
    // The image the agent read shows on its card.
    const read = page.locator('[data-tool-call]', { has: page.locator('.tool-name', { hasText: 'read' }) });
    await read.locator('.images img[src^="data:image/png;base64,"]').waitFor();
    await expect.poll(() => page.locator('[data-status]').getAttribute('data-status'), WAIT).toBe('idle');
    expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await page.locator('.md img[onerror], .md script').count()).toBe(0);
    expect(await page.getByTestId('cost').innerText()).toMatch(/^\$/);
    await job.scrollIntoViewIfNeeded();
    await shot(page, 'job');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'chat');

    // The yolo switch sets the session's approval mode and budget on the server.
    await page.locator('.yolo input').check();
    await page.locator('.budget input').fill('3');
    await page.locator('.budget input').blur();
    const details = () => page.evaluate(async (id) => (await fetch(`/api/sessions/${id}`)).json() as Promise<{ approval_mode?: string; budget_usd?: number | null }>, sessionId);
    await expect.poll(details, WAIT).toMatchObject({ approval_mode: 'yolo', budget_usd: 3 });
    await page.locator('.yolo input').uncheck();
    await expect.poll(details, WAIT).toMatchObject({ approval_mode: 'default' });

    // A second session, whose long command is stopped from the page; then a follow-up gets its answer.
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.getByRole('textbox', { name: 'Message' }).fill('Is tester/chat-demo ready for SFT?');
    await page.keyboard.press('Enter');
    const slow = page.locator('[data-tool-call]', { has: page.locator('.tool-name', { hasText: 'bash' }) });
    const slowApproval = page.locator('[data-approval]', { hasText: 'bash' });
    const slowFirst = await Promise.race([
      slowApproval.waitFor({ timeout: 20_000 }).then(() => 'asked' as const),
      slow.locator('.log', { hasText: 'tick 1' }).waitFor({ timeout: 20_000 }).then(() => 'ran' as const),
    ]);
    if (slowFirst === 'asked') await slowApproval.getByRole('button', { name: 'Approve', exact: true }).click();
    await slow.locator('.log', { hasText: 'tick 2' }).waitFor({ timeout: 20_000 });
    await page.locator('.composer').getByRole('button', { name: 'Interrupt' }).click();
    await page.locator('.turn-end', { hasText: 'Interrupted' }).waitFor({ timeout: 20_000 });
    await expect.poll(() => slow.getAttribute('data-state'), WAIT).toBe('cancelled');
    await expect.poll(() => page.locator('[data-status]').getAttribute('data-status'), WAIT).toBe('idle');
    await page.getByRole('textbox', { name: 'Message' }).fill('Is it ready for SFT, then?');
    await page.keyboard.press('Enter');
    await page.getByText('SFTTrainer takes it as it is.').waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).hash).not.toBe(`#/s/${sessionId}`);
    await page.getByRole('button', { name: 'New', exact: true }).click();
    const listed = page.locator(`[data-session="${sessionId}"]`);
    await listed.waitFor();
    await expect.poll(() => listed.innerText(), WAIT).toContain('Fine-tune a tiny chat model');
    await expect.poll(() => page.locator('[data-session]').count(), WAIT).toBe(2);
    await shot(page, 'sessions');
    await listed.click();
    await page.getByRole('heading', { name: 'Done' }).waitFor();
    expect(await page.locator('[data-tool-call]').count()).toBe(4);

    // A phone: the sidebar becomes a drawer; the conversation reads at full width.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, colorScheme: 'light' });
    await isolate(phone, origin);
    const mobile = await phone.newPage();
    await mobile.goto(serve.url);
    await mobile.goto(`${origin}/#/s/${sessionId}`);
    await mobile.getByRole('heading', { name: 'Done' }).waitFor();
    await expect.poll(() => mobile.evaluate(() => document.documentElement.scrollWidth), WAIT).toBeLessThanOrEqual(390);
    expect(await mobile.locator('.sidebar').boundingBox().then((box) => (box ? box.x + box.width : 0))).toBeLessThanOrEqual(0);
    await mobile.evaluate(() => window.scrollTo(0, 0));
    await shot(mobile, 'phone');
    await mobile.getByRole('button', { name: 'Sessions and plan' }).click();
    await expect.poll(() => mobile.locator('.sidebar').boundingBox().then((box) => box?.x), WAIT).toBe(0);
    await shot(mobile, 'phone-sessions');
    await phone.close();

    expect(pageErrors).toEqual([]);
    expect(blocked).toEqual([]);
  }
});
