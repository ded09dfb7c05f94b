import { ConfigError, ToolExecutionError } from '@ml-intern/core';
import { resolveHfConfig, type HfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall, type HubCall } from '../hub-call.js';
import { loadHub } from '../hub-library.js';

/** The line of `app.py` that makes a Space a Trackio dashboard. */
const DASHBOARD_MARKER = 'trackio.show';

/**
 * The dashboard's files. The README has no `hf_oauth` so an embedded dashboard renders without
 * a login click; who may see it is decided by the Space's visibility (private by default).
 */
export const TRACKIO_DASHBOARD_FILES: Readonly<Record<string, string>> = {
  'README.md': ['---', 'title: Trackio Dashboard', 'emoji: 📊', 'colorFrom: pink', 'colorTo: gray', 'sdk: gradio', 'app_file: app.py', 'pinned: false', 'tags:', '  - trackio', '---', '', 'Trackio dashboard of ml-intern training runs.', ''].join('\n'),
  'requirements.txt': 'trackio\n',
  'app.py': 'import trackio\n\ntrackio.show()\n',
};

const SPACE_ID = /^[\w.-]+\/[\w.-]+$/;
const PROJECT = /^[\w.-]{1,100}$/;

/** What a job or sandbox needs to log to a Trackio dashboard. */
export interface TrackioTarget {
  /** `owner/name` of the dashboard Space. */
  spaceId: string;
  /** Trackio project the runs are grouped under. */
  project: string;
  /** The dashboard's page. */
  url: string;
  /** `TRACKIO_SPACE_ID` and `TRACKIO_PROJECT`, for the job's or sandbox's environment. */
  env: Record<string, string>;
  /** The dashboard files were written by this call (false: they were already there). */
  seeded: boolean;
  /** The Space was created by this call. */
  created: boolean;
}

export interface SeedTrackioSpaceOptions extends HfToolsOptions {
  /** `owner/name`; a bare name is put under `namespace`. */
  spaceId: string;
  /** Trackio project (default: the Space's name). */
  project?: string;
  /** Owner of a bare `spaceId` (default: the token's user). */
  namespace?: string;
  /** Create the Space public (default private). */
  public?: boolean;
  signal?: AbortSignal;
  /** Progress lines (→ `tool_log`). */
  log?: (message: string) => void;
}

/** Check a Trackio Space id and project name as the model gave them; a clear message on a bad one. */
export function validateTrackioInput(spaceId: string, project: string | undefined): void {
  if (!SPACE_ID.test(spaceId) && !PROJECT.test(spaceId)) {
    throw new ToolExecutionError(`trackio_space_id "${spaceId}" is not a Space id; use "owner/name" (e.g. "my-user/trackio"), or a bare name for a Space under your user.`);
  }
  if (project !== undefined && !PROJECT.test(project)) throw new ToolExecutionError(`trackio_project "${project}" may use letters, digits, ".", "_" and "-" only (up to 100 characters).`);
}

async function isSeeded(call: HubCall, spaceId: string): Promise<boolean> {
  const { downloadFile } = await loadHub();
  try {
    const blob = await downloadFile({ ...call.library, repo: { type: 'space', name: spaceId }, path: 'app.py' });
    return blob !== null && (await blob.text()).includes(DASHBOARD_MARKER);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

async function ensureSpace(call: HubCall, spaceId: string, isPublic: boolean): Promise<boolean> {
  const { createRepo, repoExists } = await loadHub();
  const repo = { type: 'space' as const, name: spaceId };
  if (await repoExists({ ...call.library, repo })) return false;
  try {
    await createRepo({ ...call.library, repo, visibility: isPublic ? 'public' : 'private', sdk: 'gradio' });
    return true;
  } catch (error) {
    // Created meanwhile (two jobs seeding the same dashboard): it exists, which is all we need.
    if ((error as { statusCode?: number }).statusCode === 409) return false;
    throw error;
  }
}

/** Seed with an already resolved config and Hub call (the tools' path). */
export async function seedTrackioWithCall(call: HubCall, options: { spaceId: string; project?: string | undefined; public?: boolean; log?: ((message: string) => void) | undefined }): Promise<TrackioTarget> {
  const { spaceId } = options;
  const project = options.project ?? (spaceId.split('/')[1] as string);
  validateTrackioInput(spaceId, project);
  const created = await ensureSpace(call, spaceId, options.public === true);
  if (created) options.log?.(`Created private Space ${spaceId} for the Trackio dashboard.`);
  let seeded = false;
  if (created || !(await isSeeded(call, spaceId))) {
    const { uploadFiles } = await loadHub();
    await uploadFiles({
      ...call.library,
      repo: { type: 'space', name: spaceId },
      files: Object.entries(TRACKIO_DASHBOARD_FILES).map(([path, text]) => ({ path, content: new Blob([text]) })),
      commitTitle: 'ml-intern: seed the Trackio dashboard',
    });
    seeded = true;
    options.log?.(`Seeded the Trackio dashboard in ${spaceId}.`);
  }
  const url = `${call.config.hubUrl}/spaces/${spaceId}`;
  return { spaceId, project, url, env: { TRACKIO_SPACE_ID: spaceId, TRACKIO_PROJECT: project }, seeded, created };
}

async function ownerOf(call: HubCall): Promise<string> {
  if (!call.hasToken) throw new ToolExecutionError('a Trackio dashboard Space needs an HF token (HF_TOKEN) to be created and seeded.');
  const { whoAmI } = await loadHub();
  return (await whoAmI({ ...call.library })).name;
}

/** `owner/name` for a Space id the model may have given without its owner. */
export async function qualifySpaceId(call: HubCall, spaceId: string, namespace?: string): Promise<string> {
  if (spaceId.includes('/')) return spaceId;
  return `${namespace ?? (await ownerOf(call))}/${spaceId}`;
}

/**
 * Make `spaceId` a Trackio dashboard, idempotently: create the Space (Gradio, private unless
 * `public`) when missing, write `README.md`, `requirements.txt` and an `app.py` calling
 * `trackio.show()` in one commit unless its `app.py` already does, and return the URL and the
 * `TRACKIO_*` variables a training job or sandbox needs to log there.
 */
export async function seedTrackioSpace(options: SeedTrackioSpaceOptions): Promise<TrackioTarget> {
  let config: HfConfig;
  try {
    config = resolveHfConfig(options);
  } catch (error) {
    throw ConfigError.isInstance(error) ? error : new ConfigError(String(error));
  }
  const call = createHubCall(config, options.signal);
  try {
    const spaceId = await qualifySpaceId(call, options.spaceId, options.namespace);
    return await seedTrackioWithCall(call, { spaceId, project: options.project, ...(options.public ? { public: true } : {}), log: options.log });
  } catch (error) {
    throw call.toToolError(error, { label: `Trackio Space "${options.spaceId}"`, kind: 'repo', pageUrl: `${config.hubUrl}/spaces/${options.spaceId}` });
  }
}
