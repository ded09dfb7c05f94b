import arxivFixture from './__fixtures__/hub/arxiv-pages.js';
import datasetViewerFixture from './__fixtures__/hub/dataset-viewer.json' with { type: 'json' };
import docsFixture from './__fixtures__/hub/docs.json' with { type: 'json' };
import hardwareFixture from './__fixtures__/hub/hardware.json' with { type: 'json' };
import openapiFixture from './__fixtures__/hub/openapi.json' with { type: 'json' };
import papersFixture from './__fixtures__/hub/papers.json' with { type: 'json' };
import reposFixture from './__fixtures__/hub/repos.json' with { type: 'json' };
import { contentRoutes, type FakeCollection, type FakeDocsLibrary, type FakePaper, type FakeViewerDataset } from './fake-hub-content.js';
import { DEFAULT_JOB_SCRIPT, jobRoutes, type FakeJob, type FakeJobScript, type FakeJobsState, type FakeScheduledJob } from './fake-hub-jobs.js';
import { gitRoutes } from './fake-hub-git.js';
import { repoRoutes } from './fake-hub-repos.js';
import { fakeSpaceUrlTemplate, spaceRoutes, stopSpace, type FakeSpace, type FakeSpacesOptions, type FakeSpacesState } from './fake-hub-spaces.js';
import { createRepo, repoKey, type FakeAuth, type FakeRepo, type FakeRepoSeed, type FakeRepoType, type FakeRoute, type FakeUser } from './fake-hub-state.js';
import { startHttpFake, type HttpFake } from './http-fake.js';

/** The token the fake accepts by default (any `hf_…` token is accepted unless `validTokens` is set). */
export const FAKE_HUB_TOKEN = 'hf_fakeHubTestToken0123456789abcdefXYZ';

/** Data the fake Hub starts with; each field replaces (repos: adds to or overrides by id) the built-in fixtures. */
export interface FakeHubSeed {
  user: FakeUser;
  repos: FakeRepoSeed[];
  papers: FakePaper[];
  /** Paper ids per `YYYY-MM-DD`, `default` for requests without a date. */
  dailyPapers: Record<string, string[]>;
  collections: FakeCollection[];
  /** Dataset-viewer answers per dataset id. */
  datasetViewer: Record<string, FakeViewerDataset>;
  /** Docs sets under `/docs/<name>`. */
  docs: Record<string, FakeDocsLibrary>;
  openapi: unknown;
  /** `/api/jobs/hardware` entries (flavors not listed are rejected by job creation). */
  hardware: { name: string; unitCostUSD?: number; unitLabel?: string }[];
  /** arXiv HTML per paper id, served under `/arxiv/html/<id>`. */
  arxiv: Record<string, string>;
}

export interface FakeHubOptions {
  seed?: Partial<FakeHubSeed>;
  /** Accept only these bearer tokens (others get 401). Default: any token starting with `hf_`. */
  validTokens?: string[];
  /** Delay between streamed job log lines (default 1 ms). */
  logLineDelayMs?: number;
  /** Script of created jobs (default: two chunks of training output, then COMPLETED). */
  jobScript?: FakeJobScript;
  /** How Spaces build and run (default: one BUILDING poll, then the committed Docker app starts). */
  spaces?: FakeSpacesOptions;
}

/** Make the next matching requests fail (e.g. 429 with `retry-after`, 500, a gated 403). */
export interface FakeHubFailure {
  method?: string;
  /** Exact path, or a RegExp tested against the path. */
  path: string | RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many requests fail (default 1). */
  times?: number;
}

export interface FakeHub extends HttpFake {
  readonly hubUrl: string;
  /** Base URL of the fake dataset viewer (same server, `/datasets-server`). */
  readonly datasetsServerUrl: string;
  /** Base URL of the fake arXiv (same server, `/arxiv`). */
  readonly arxivUrl: string;
  /** A token the fake accepts. */
  readonly token: string;
  readonly jobs: ReadonlyMap<string, FakeJob>;
  readonly scheduledJobs: ReadonlyMap<string, FakeScheduledJob>;
  fail(failure: FakeHubFailure): void;
  setJobScript(script: FakeJobScript): void;
  setJobStage(jobId: string, stage: string): void;
  /** Current text of a file in a repo branch, or undefined. */
  readFile(type: FakeRepoType, id: string, path: string, revision?: string): string | undefined;
  repo(type: FakeRepoType, id: string): FakeRepo | undefined;
  /** Space runtimes (secrets, hardware, stage, the app process) by repo id. */
  readonly spaces: ReadonlyMap<string, FakeSpace>;
  /** ML_INTERN_SPACE_URL_TEMPLATE for Spaces this fake serves (its `/_spaces/` gateway). */
  readonly spaceUrlTemplate: string;
  /** Change how Spaces created from now on build and run. */
  setSpaceOptions(options: FakeSpacesOptions): void;
}

function expandPlaceholders<T>(value: T): T {
  const paragraph = (label: string, count: number) => Array.from({ length: count }, (_, index) => `${label} line ${index + 1}: results improve steadily with more curated data.`).join('\\n');
  const text = JSON.stringify(value)
    .replace(/LONG_EXPERIMENTS/g, paragraph('Experiment', 260))
    .replace(/LONG_SECTION/g, paragraph('Detail', 500))
    .replace(/LONG_MESSAGE/g, 'word '.repeat(80).trim());
  return JSON.parse(text) as T;
}

function authOf(header: string | undefined, validTokens: string[] | undefined, user: FakeUser): FakeAuth {
  const token = header?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (!token) return { token: undefined, valid: false, user: undefined };
  const valid = validTokens ? validTokens.includes(token) : token.startsWith('hf_');
  return { token, valid, user: valid ? user : undefined };
}

/**
 * A fake Hugging Face Hub on 127.0.0.1: models/datasets/papers search, repo trees and file resolve
 * (Range/ETag), the commit protocol (preupload + NDJSON commit), refs, branches, tags, discussions,
 * repo create/settings, Jobs (create, logs over SSE, cancel, scheduled jobs, hardware), whoami,
 * docs pages, the OpenAPI spec, arXiv HTML and the dataset viewer. Seeded from fixtures; records
 * requests; failures can be injected per path.
 */
export async function startFakeHub(options: FakeHubOptions = {}): Promise<FakeHub> {
  const seed = options.seed ?? {};
  const user = seed.user ?? reposFixture.user;
  const repos = new Map<string, FakeRepo>();
  for (const repoSeed of [...(reposFixture.repos as unknown as FakeRepoSeed[]), ...(seed.repos ?? [])]) repos.set(repoKey(repoSeed.type, repoSeed.id), createRepo(repoSeed));
  const jobsState: FakeJobsState = {
    jobs: new Map(),
    scheduled: new Map(),
    nextScript: options.jobScript ?? DEFAULT_JOB_SCRIPT,
    hardware: seed.hardware ?? hardwareFixture,
    logLineDelayMs: options.logLineDelayMs ?? 1,
    counter: 0,
  };
  const spacesState: FakeSpacesState = { spaces: new Map(), options: options.spaces ?? {} };
  const routes: FakeRoute[] = [
    ...spaceRoutes(spacesState, repos),
    ...repoRoutes(repos),
    ...gitRoutes(repos),
    ...jobRoutes(jobsState),
    ...contentRoutes({
      user,
      repos,
      papers: seed.papers ?? (papersFixture.papers as FakePaper[]),
      daily: seed.dailyPapers ?? papersFixture.daily,
      collections: seed.collections ?? papersFixture.collections,
      viewer: expandPlaceholders(seed.datasetViewer ?? (datasetViewerFixture as unknown as Record<string, FakeViewerDataset>)),
      docs: expandPlaceholders(seed.docs ?? (docsFixture as Record<string, FakeDocsLibrary>)),
      openapi: seed.openapi ?? openapiFixture,
      arxiv: expandPlaceholders(seed.arxiv ?? arxivFixture),
    }),
  ];
  const failures: (FakeHubFailure & { remaining: number })[] = [];
  let baseUrl = '';

  const server = await startHttpFake(async (request, response, raw) => {
    const url = new URL(request.url, 'http://fake.local');
    const failure = failures.find(
      (one) => one.remaining > 0 && (!one.method || one.method === request.method) && (typeof one.path === 'string' ? one.path === url.pathname : one.path.test(url.pathname)),
    );
    if (failure) {
      failure.remaining -= 1;
      response.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
      response.end(JSON.stringify(failure.body ?? { error: `fake failure (HTTP ${failure.status})` }));
      return;
    }
    const auth = authOf(raw.headers.authorization, options.validTokens, user);
    if (auth.token && !auth.valid && url.pathname !== '/api/jobs/hardware' && !url.pathname.startsWith('/arxiv/')) {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'Invalid credentials in Authorization header' }));
      return;
    }
    for (const route of routes) {
      if (route.method !== '*' && route.method !== request.method && !(route.method === 'GET' && request.method === 'HEAD')) continue;
      const match = url.pathname.match(route.pattern);
      if (!match) continue;
      await route.handle({ request, response, raw, match, query: url.searchParams, auth, baseUrl });
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: `fake hub: no route for ${request.method} ${url.pathname}` }));
  });
  baseUrl = server.url;
  const closeServer = server.close;

  return Object.assign(server, {
    hubUrl: server.url,
    datasetsServerUrl: `${server.url}/datasets-server`,
    arxivUrl: `${server.url}/arxiv`,
    token: options.validTokens?.[0] ?? FAKE_HUB_TOKEN,
    jobs: jobsState.jobs,
    scheduledJobs: jobsState.scheduled,
    fail(failure: FakeHubFailure) {
      failures.push({ ...failure, remaining: failure.times ?? 1 });
    },
    setJobScript(script: FakeJobScript) {
      jobsState.nextScript = script;
    },
    setJobStage(jobId: string, stage: string) {
      const job = jobsState.jobs.get(jobId);
      if (!job) throw new Error(`fake hub: no job ${jobId}`);
      job.stage = stage;
    },
    readFile(type: FakeRepoType, id: string, path: string, revision = 'main') {
      return repos.get(repoKey(type, id))?.branches.get(revision)?.files.get(path)?.toString('utf8');
    },
    repo(type: FakeRepoType, id: string) {
      return repos.get(repoKey(type, id));
    },
    spaces: spacesState.spaces,
    spaceUrlTemplate: fakeSpaceUrlTemplate(server.url),
    setSpaceOptions(next: FakeSpacesOptions) {
      spacesState.options = next;
    },
    // Space apps are real processes: they end with the fake.
    async close() {
      for (const space of spacesState.spaces.values()) stopSpace(space);
      await closeServer();
    },
    async [Symbol.asyncDispose]() {
      for (const space of spacesState.spaces.values()) stopSpace(space);
      await closeServer();
    },
  });
}
