import { openAsBlob, statSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { defineTool, ToolExecutionError, type ToolContext, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { resolveHfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall, type HubCall } from '../hub-call.js';
import { loadHub } from '../hub-library.js';
import { formatBytes } from '../text-limits.js';
import { globToRegExp, normalizeRepoPath, repoIdSchema, repoLabel, repoPageUrl, repoTypeSchema, type RepoKind } from './repo-reference.js';
import { findSecretsInFile, findSecretsInText, neverUploaded, scanFolder, type FolderManifest, type SecretFinding, type SecretRedactor, type SecretScanner } from './workspace-folder.js';
import { artifactKey, createSessionArtifacts, type ProvenanceOptions } from './provenance.js';
import { applyUploadProvenance, collectUploadedRepo, modelCardFor, type UploadProvenanceOptions, type UploadTarget } from './upload-provenance.js';

const inputSchema = z.object({
  operation: z.enum(['list', 'read', 'upload', 'delete']).describe('list files, read one file, upload a file (needs approval), delete files (needs approval).'),
  repo_id: repoIdSchema,
  repo_type: repoTypeSchema,
  revision: z.string().max(200).default('main').describe('Branch, tag, commit or "refs/pr/N" (default main).'),
  path: z.string().max(1000).optional().describe('list: folder (default root); read: file path; upload: destination path (default the local file name; for a folder, the folder in the repo, default the root); delete: one file.'),
  content: z.string().optional().describe('upload: the file content as text.'),
  local_path: z.string().max(1000).optional().describe('upload: a workspace file, or a workspace folder uploaded in one commit under path (default the repo root).'),
  include: z.array(z.string().min(1).max(300)).max(50).optional().describe('upload of a folder: only files matching these globs, e.g. ["*.safetensors", "*.json", "README.md"].'),
  exclude: z.array(z.string().min(1).max(300)).max(50).optional().describe('upload of a folder: leave out files or folders matching these globs, e.g. ["checkpoint-*/**", "*.log"].'),
  private: z.boolean().optional().describe('upload: visibility of the repo when it does not exist yet and is created (default private).'),
  patterns: z.array(z.string().max(300)).max(50).optional().describe('delete: globs over repo paths, e.g. ["checkpoints/**", "*.tmp"].'),
  create_pr: z.boolean().default(false).describe('upload/delete: open a pull request instead of committing to the revision.'),
  commit_message: z.string().max(500).optional().describe('upload/delete: commit title.'),
  offset: z.number().int().min(0).default(0).describe('read: byte offset to continue a long file.'),
  max_chars: z.number().int().min(1_000).max(100_000).default(20_000).describe('read: bytes to return (default 20000).'),
  model_card: z
    .object({
      base_model: z.string().max(200).optional(),
      dataset: z.string().max(200).optional(),
      method: z.string().max(100).optional().describe('e.g. "SFT with LoRA", "DPO", "full fine-tuning".'),
      training_script: z.string().max(1000).optional().describe('workspace path of the training script to include.'),
    })
    .optional()
    .describe('upload of a model folder without README.md: facts for the model card written for it (inferred from adapter_config.json, config.json, trainer_state.json and the script when left out).'),
});

type Input = z.output<typeof inputSchema>;

/** Options of {@link createHfRepoFilesTool}. */
export interface HfRepoFilesToolOptions extends HfToolsOptions, ProvenanceOptions {
  /**
   * The session's workspace folder, so that the approval of a folder upload can list the files it
   * will upload (execution uses the session's working directory and refuses if the list changed).
   */
  workspaceDir?: string;
  /** Values of the session's configured secrets (tokens, API keys); an upload containing one is refused. */
  secretValues?: readonly string[];
  /**
   * A secret detector in redactor form (e.g. `createRedactor` of @ml-intern/context): text it changes
   * contains a secret, and an upload containing it is refused. Built-in token shapes are always checked.
   */
  redact?: SecretRedactor;
}

/** Files up to this size are read once, scanned and uploaded from the same bytes. */
const READ_WHOLE_BYTES = 16 * 1024 * 1024;
const APPROVAL_FILES_SHOWN = 30;

const MAX_LISTED = 1_000;

function isWithin(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * The canonical path of a workspace file to upload: inside the workspace both as written and
 * after following symbolic links (a link planted in the workspace must not upload a host file,
 * e.g. the HF token under the home directory).
 */
async function workspaceFile(ctx: ToolContext, localPath: string): Promise<string> {
  const workspace = path.resolve(ctx.session.cwd);
  const resolved = path.resolve(workspace, localPath);
  if (!isWithin(resolved, workspace)) throw new ToolExecutionError(`local_path must be inside the workspace (${ctx.session.cwd}); got ${localPath}.`);
  const [real, realWorkspace] = await Promise.all([realpath(resolved).catch(() => undefined), realpath(workspace).catch(() => workspace)]);
  if (real === undefined) throw new ToolExecutionError(`local_path ${localPath} is not a file in the workspace.`);
  if (!isWithin(real, realWorkspace)) throw new ToolExecutionError(`refused: local_path ${localPath} leads through a symbolic link to ${real}, outside the workspace (${ctx.session.cwd}).`);
  return real;
}

/**
 * The call with every repo path (`path`, `patterns`) posix-normalised, `..` and absolute paths
 * refused, and `local_path` normalised the same way (it stays relative to the workspace, where
 * execution checks it); both execution and approval rules use this form.
 */
function normalizeInput(input: Input): Input {
  return {
    ...input,
    ...(input.path === undefined ? {} : { path: normalizeRepoPath(input.path) }),
    ...(input.patterns === undefined ? {} : { patterns: input.patterns.map((pattern, index) => normalizeRepoPath(pattern, `patterns[${index}]`)) }),
    ...(input.local_path === undefined ? {} : { local_path: normalizeLocalPath(input.local_path) }),
    ...(input.include === undefined ? {} : { include: input.include.map((pattern, index) => normalizeRepoPath(pattern, `include[${index}]`)) }),
    ...(input.exclude === undefined ? {} : { exclude: input.exclude.map((pattern, index) => normalizeRepoPath(pattern, `exclude[${index}]`)) }),
  };
}

function normalizeLocalPath(value: string): string {
  if (value.includes('\0')) throw new ToolExecutionError('local_path contains a NUL character.');
  let normalized = path.posix.normalize(value);
  while (normalized.startsWith('./')) normalized = normalized.slice(2);
  return normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized;
}

function manifestKey(input: Input): string {
  return JSON.stringify([input.repo_id, input.repo_type, input.revision, input.path ?? '', input.local_path, input.include ?? [], input.exclude ?? []]);
}

function manifestSignature(manifest: FolderManifest): string {
  return manifest.files.map((file) => `${file.relative}\0${file.size}`).join('\n');
}

function destinationOf(prefix: string | undefined, relative: string): string {
  return prefix ? `${prefix}/${relative}` : relative;
}

/** The approval text of a folder upload: every file (up to a limit) with sizes, and the total. */
function describeManifest(manifest: FolderManifest, prefix: string | undefined): string {
  const lines = manifest.files.slice(0, APPROVAL_FILES_SHOWN).map((file) => `  ${destinationOf(prefix, file.relative)} (${formatBytes(file.size)})`);
  if (manifest.files.length > APPROVAL_FILES_SHOWN) lines.push(`  … ${manifest.files.length - APPROVAL_FILES_SHOWN} more files`);
  const skipped = manifest.skipped.length ? `\nNever uploaded: ${manifest.skipped.slice(0, 10).map((one) => `${one.relative} (${one.reason})`).join(', ')}${manifest.skipped.length > 10 ? ', …' : ''}` : '';
  return `${manifest.files.length} file${manifest.files.length === 1 ? '' : 's'}, ${formatBytes(manifest.totalBytes)} in one commit:\n${lines.join('\n')}${skipped}`;
}

function describeFindings(findings: readonly SecretFinding[]): string {
  const shown = findings.slice(0, 20).map((finding) => `- ${finding.file}:${finding.line}: ${finding.kind}`);
  if (findings.length > 20) shown.push(`- … ${findings.length - 20} more`);
  return shown.join('\n');
}

async function listOperation(call: HubCall, input: Input): Promise<string> {
  const { listFiles } = await loadHub();
  const entries: { path: string; size: number; type: string; lfs: boolean }[] = [];
  let more = false;
  for await (const entry of listFiles({ ...call.library, repo: { type: input.repo_type, name: input.repo_id }, revision: input.revision, recursive: true, ...(input.path ? { path: input.path } : {}) })) {
    if (entries.length >= MAX_LISTED) {
      more = true;
      break;
    }
    entries.push({ path: entry.path, size: entry.lfs?.size ?? entry.size, type: entry.type, lfs: entry.lfs !== undefined });
  }
  const files = entries.filter((entry) => entry.type === 'file').sort((left, right) => left.path.localeCompare(right.path));
  const total = files.reduce((sum, file) => sum + file.size, 0);
  const lines = [`# ${input.repo_id} (${input.repo_type}, ${input.revision})${input.path ? ` /${input.path}` : ''}`, `${files.length} files, ${formatBytes(total)}${more ? ` (first ${MAX_LISTED} entries only)` : ''}`, ''];
  for (const file of files) lines.push(`${file.path}  ${formatBytes(file.size)}${file.lfs ? '  [LFS]' : ''}`);
  if (files.length === 0) lines.push('(no files)');
  return lines.join('\n');
}

async function readOperation(call: HubCall, input: Input): Promise<string> {
  if (!input.path) throw new ToolExecutionError('read needs path.');
  const { downloadFile } = await loadHub();
  const blob = await downloadFile({ ...call.library, repo: { type: input.repo_type, name: input.repo_id }, path: input.path, revision: input.revision });
  if (!blob) throw new ToolExecutionError(`file not found: "${input.path}" in ${repoLabel(input.repo_type, input.repo_id)} at ${input.revision}; list the files to check the path.`);
  if (input.offset >= blob.size && blob.size > 0) return `${input.path} has ${blob.size} bytes; offset ${input.offset} is past the end.`;
  const end = Math.min(blob.size, input.offset + input.max_chars);
  const bytes = new Uint8Array(await blob.slice(input.offset, end).arrayBuffer());
  if (bytes.subarray(0, 8_000).includes(0)) return `${input.path} is a binary file (${formatBytes(blob.size)}); it cannot be shown as text.`;
  const text = new TextDecoder().decode(bytes);
  const header = `# ${input.path} (${formatBytes(blob.size)}, ${input.repo_id}@${input.revision})${input.offset ? ` from byte ${input.offset}` : ''}`;
  const footer = end < blob.size ? `\n\n[… ${blob.size - end} more bytes: call read again with offset ${end}.]` : '';
  return `${header}\n\n${text}${footer}`;
}

/** Make sure the repo exists; create it (private unless `private: false`) when it does not. */
async function ensureRepo(call: HubCall, input: Input, upload: UploadContext): Promise<string | undefined> {
  const { createRepo, repoExists } = await loadHub();
  const repo = { type: input.repo_type, name: input.repo_id };
  if (await repoExists({ ...call.library, repo })) return undefined;
  if (input.repo_type === 'space') throw new ToolExecutionError(`space "${input.repo_id}" does not exist; create it first with hf_repo_git create_repo (a Space needs its SDK).`);
  const visibility = input.private === false ? 'public' : 'private';
  await createRepo({ ...call.library, repo, private: visibility === 'private' });
  upload.provenance.artifacts.created.add(artifactKey(input.repo_type, input.repo_id));
  return `Created ${visibility} ${input.repo_type} repo ${input.repo_id}.`;
}

interface UploadContext {
  scanner: SecretScanner;
  approved: Map<string, string>;
  provenance: Omit<UploadProvenanceOptions, 'sessionId'>;
}

function targetOf(input: Input, prefix: string | undefined): UploadTarget {
  return { repoType: input.repo_type, repoId: input.repo_id, revision: input.revision, prefix };
}

async function uploadFolder(call: HubCall, input: Input, ctx: ToolContext, folder: string, upload: UploadContext): Promise<string> {
  const manifest = scanFolder(ctx.session.cwd, folder, input.include, input.exclude);
  if (manifest.files.length === 0) throw new ToolExecutionError(`no file of ${input.local_path} to upload${input.include?.length ? ` matches include ${input.include.join(', ')}` : ''}${manifest.skipped.length ? ` (never uploaded: ${manifest.skipped.map((one) => one.relative).join(', ')})` : ''}.`);
  const key = manifestKey(input);
  const approved = upload.approved.get(key);
  upload.approved.delete(key);
  if (approved !== undefined && approved !== manifestSignature(manifest)) {
    throw new ToolExecutionError(`refused: the files of ${input.local_path} changed after the upload was approved; nothing was uploaded. Call upload again to approve the current list.`);
  }
  const findings: SecretFinding[] = [];
  const files: { path: string; content: Blob }[] = [];
  for (const file of manifest.files) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (file.size <= READ_WHOLE_BYTES) {
      const bytes = await readFile(file.absolute);
      if (bytes.length !== file.size) throw new ToolExecutionError(`refused: ${file.relative} changed while uploading; nothing was uploaded.`);
      const binary = bytes.subarray(0, 8 * 1024).includes(0);
      findings.push(...findSecretsInText(bytes.toString(binary ? 'latin1' : 'utf8'), file.relative, binary ? { values: upload.scanner.values } : upload.scanner));
      files.push({ path: destinationOf(input.path, file.relative), content: new Blob([bytes]) });
    } else {
      // Reading a file-backed Blob fails if the file changes after this point.
      const blob = await openAsBlob(file.absolute);
      findings.push(...(await findSecretsInFile(file, upload.scanner, ctx.signal)));
      files.push({ path: destinationOf(input.path, file.relative), content: blob });
    }
  }
  if (findings.length > 0) {
    throw new ToolExecutionError(`refused: ${new Set(findings.map((finding) => finding.file)).size} file(s) contain secrets; nothing was uploaded.\n${describeFindings(findings)}\nRemove the secrets (or leave those files out with exclude) and upload again.`);
  }
  const created = await ensureRepo(call, input, upload);
  const target = targetOf(input, input.path);
  const provenance = { ...upload.provenance, sessionId: ctx.session.id };
  const notes = await applyUploadProvenance(call, target, files, provenance, { absolute: folder, files: manifest.files.map((file) => file.relative), workspace: ctx.session.cwd, details: input.model_card });
  const { uploadFiles } = await loadHub();
  const result = await uploadFiles({
    ...call.library,
    repo: { type: input.repo_type, name: input.repo_id },
    files,
    commitTitle: input.commit_message ?? `Upload ${files.length} file${files.length === 1 ? '' : 's'}${input.path ? ` to ${input.path}` : ''}`,
    branch: input.revision,
    isPullRequest: input.create_pr,
    abortSignal: ctx.signal,
  });
  const lines = [...(created ? [created] : []), `Uploaded ${files.length} file${files.length === 1 ? '' : 's'} (${formatBytes(manifest.totalBytes)}) from ${input.local_path} to ${input.repo_id} (${input.repo_type}) in one commit:`];
  for (const file of files.slice(0, 50)) lines.push(`- ${file.path}`);
  if (files.length > 50) lines.push(`- … ${files.length - 50} more`);
  if (manifest.skipped.length) lines.push(`Left out: ${manifest.skipped.map((one) => `${one.relative} (${one.reason})`).join(', ')}`);
  lines.push(...notes);
  if (result?.pullRequestUrl) lines.push(`Pull request: ${result.pullRequestUrl}`);
  else lines.push(`Files: ${repoPageUrl(call.config.hubUrl, input.repo_type, input.repo_id)}/tree/${input.revision}${input.path ? `/${input.path}` : ''}`);
  if (result?.commit.url) lines.push(`Commit: ${result.commit.url}`);
  lines.push(...(await collectUploadedRepo(call, target, provenance)));
  return lines.join('\n');
}

async function uploadOperation(call: HubCall, input: Input, ctx: ToolContext, upload: UploadContext): Promise<string> {
  if ((input.content === undefined) === (input.local_path === undefined)) throw new ToolExecutionError('upload needs exactly one of content or local_path.');
  let content: Blob;
  let destination = input.path || undefined;
  let findings: SecretFinding[];
  if (input.local_path !== undefined) {
    const file = await workspaceFile(ctx, input.local_path);
    const info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) return uploadFolder(call, input, ctx, file, upload);
    if (!info?.isFile()) throw new ToolExecutionError(`local_path ${input.local_path} is not a file in the workspace.`);
    const never = neverUploaded(path.relative(await realpath(ctx.session.cwd).catch(() => ctx.session.cwd), file).split(path.sep).join('/'), false);
    if (never) throw new ToolExecutionError(`refused: ${input.local_path} is never uploaded (${never}).`);
    if (info.size <= READ_WHOLE_BYTES) {
      const bytes = await readFile(file);
      const binary = bytes.subarray(0, 8 * 1024).includes(0);
      findings = findSecretsInText(bytes.toString(binary ? 'latin1' : 'utf8'), input.local_path, binary ? { values: upload.scanner.values } : upload.scanner);
      content = new Blob([bytes]);
    } else {
      content = await openAsBlob(file);
      findings = await findSecretsInFile({ relative: input.local_path, absolute: file, size: info.size, mtimeMs: info.mtimeMs }, upload.scanner, ctx.signal);
    }
    destination ??= path.basename(file);
  } else {
    findings = findSecretsInText(input.content as string, destination ?? 'content', upload.scanner);
    content = new Blob([input.content as string]);
  }
  if (!destination) throw new ToolExecutionError('upload needs path (the destination in the repo).');
  if (findings.length > 0) throw new ToolExecutionError(`refused: the upload contains secrets; nothing was uploaded.\n${describeFindings(findings)}\nRemove them and upload again.`);
  const created = await ensureRepo(call, input, upload);
  const target = targetOf(input, undefined);
  const provenance = { ...upload.provenance, sessionId: ctx.session.id };
  const files = [{ path: destination, content }];
  const notes = await applyUploadProvenance(call, target, files, provenance);
  const { uploadFiles } = await loadHub();
  const result = await uploadFiles({
    ...call.library,
    repo: { type: input.repo_type, name: input.repo_id },
    files,
    commitTitle: input.commit_message ?? `Upload ${destination}`,
    branch: input.revision,
    isPullRequest: input.create_pr,
    abortSignal: ctx.signal,
  });
  const page = repoPageUrl(call.config.hubUrl, input.repo_type, input.repo_id);
  const lines = [...(created ? [created] : []), `Uploaded ${destination} (${formatBytes(content.size)}) to ${input.repo_id} (${input.repo_type}).`, ...notes];
  if (files.length > 1) lines.push(`The same commit adds the provenance README (tag ${'`'}ml-intern${'`'}).`);
  if (result?.pullRequestUrl) lines.push(`Pull request: ${result.pullRequestUrl}`);
  else lines.push(`File: ${page}/blob/${input.revision}/${destination}`);
  if (result?.commit.url) lines.push(`Commit: ${result.commit.url}`);
  lines.push(...(await collectUploadedRepo(call, target, provenance)));
  return lines.join('\n');
}

async function deleteOperation(call: HubCall, input: Input): Promise<string> {
  const { deleteFiles, listFiles } = await loadHub();
  const targets = new Set<string>();
  if (input.path) targets.add(input.path);
  if (input.patterns?.length) {
    const expressions = input.patterns.map(globToRegExp);
    for await (const entry of listFiles({ ...call.library, repo: { type: input.repo_type, name: input.repo_id }, revision: input.revision, recursive: true })) {
      if (entry.type === 'file' && expressions.some((expression) => expression.test(entry.path))) targets.add(entry.path);
    }
  }
  if (targets.size === 0) throw new ToolExecutionError(input.patterns?.length ? `no file of ${input.repo_id}@${input.revision} matches ${input.patterns.join(', ')}.` : 'delete needs path or patterns.');
  const paths = [...targets].sort();
  const result = await deleteFiles({
    ...call.library,
    repo: { type: input.repo_type, name: input.repo_id },
    paths,
    commitTitle: input.commit_message ?? `Delete ${paths.length === 1 ? paths[0] : `${paths.length} files`}`,
    branch: input.revision,
    isPullRequest: input.create_pr,
  });
  const lines = [`Deleted ${paths.length} file${paths.length === 1 ? '' : 's'} from ${input.repo_id} (${input.repo_type}):`, ...paths.slice(0, 50).map((one) => `- ${one}`)];
  if (paths.length > 50) lines.push(`- … ${paths.length - 50} more`);
  if (result?.pullRequestUrl) lines.push(`Pull request: ${result.pullRequestUrl}`);
  if (result?.commit.url) lines.push(`Commit: ${result.commit.url}`);
  return lines.join('\n');
}

/**
 * `hf_repo_files`: list, read, upload (text, a workspace file or a workspace folder in one commit,
 * optionally as a PR; secrets refused; missing repos created private) and delete
 * (paths or globs) files of a model, dataset or Space repo. Uploads and deletes ask for approval.
 */
export function createHfRepoFilesTool(options: HfRepoFilesToolOptions = {}): Tool<typeof inputSchema> {
  const config = resolveHfConfig(options);
  const scanner: SecretScanner = { values: [...(options.secretValues ?? []), ...(config.token ? [config.token] : [])], redact: options.redact };
  const upload: UploadContext = {
    scanner,
    approved: new Map(),
    provenance: { provenance: options.provenance !== false, artifacts: options.sessionArtifacts ?? createSessionArtifacts(), scanner },
  };
  /** The files a folder upload would take, for the approval prompt (undefined for a file or when unknown). */
  const folderManifest = (input: Input): FolderManifest | undefined => {
    if (input.operation !== 'upload' || input.local_path === undefined || options.workspaceDir === undefined) return undefined;
    try {
      const folder = path.resolve(options.workspaceDir, input.local_path);
      if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) return undefined;
      return scanFolder(options.workspaceDir, folder, input.include, input.exclude);
    } catch {
      return undefined;
    }
  };
  return defineTool({
    name: 'hf_repo_files',
    description:
      'Files of a Hub repo (model, dataset or Space): list (recursive, sizes), read a text file (windowed by offset), ' +
      'upload text content, a workspace file, or a whole workspace folder in one commit (include/exclude globs; .env*, .git, ' +
      'virtualenvs and caches are never uploaded, and files containing secrets are refused), optionally as a pull request; ' +
      'a missing repo is created private unless private is false. Delete files by path or glob patterns. Upload and delete ' +
      'change the repo and need approval.',
    inputSchema,
    readOnly: (input) => input.operation === 'list' || input.operation === 'read',
    timeoutMs: 600_000,
    approval(raw) {
      if (raw.operation === 'upload' || raw.operation === 'delete') {
        const target = `${repoLabel(raw.repo_type, raw.repo_id)}${raw.create_pr ? ' (as a pull request)' : ` on ${raw.revision}`}`;
        if (raw.operation === 'delete') return { decision: 'ask', reason: `deletes files from ${target}` };
        let input: Input;
        try {
          input = normalizeInput(raw);
        } catch {
          return { decision: 'ask', reason: `uploads to ${target}` };
        }
        const visibility = input.private === false ? 'public' : 'private';
        const manifest = folderManifest(input);
        if (!manifest) return { decision: 'ask', reason: `uploads ${input.local_path ?? input.path ?? 'a file'} to ${target} (creates the repo, ${visibility}, if missing)` };
        upload.approved.set(manifestKey(input), manifestSignature(manifest));
        if (upload.approved.size > 50) upload.approved.delete(upload.approved.keys().next().value as string);
        const card = modelCardFor(targetOf(input, input.path), { absolute: path.resolve(options.workspaceDir as string, input.local_path as string), files: manifest.files.map((file) => file.relative), workspace: options.workspaceDir as string, details: input.model_card }, config.hubUrl, upload.provenance.provenance);
        // A card quoting a secret (from the training script) is not shown: the upload will be refused.
        const cardLeaks = card !== undefined && findSecretsInText(card, 'README.md', scanner).length > 0;
        const cardText = !card ? '' : cardLeaks ? '\nThe model card for this folder would quote a secret from the training script: the upload will be refused.' : `\nModel card written as README.md (the folder has none; not written if the repo already has a README):\n${card}`;
        return { decision: 'ask', reason: `uploads folder ${input.local_path} to ${target}${input.path ? ` under ${input.path}/` : ''} (creates the repo, ${visibility}, if missing): ${describeManifest(manifest, input.path)}${cardText}` };
      }
      return { decision: 'allow' };
    },
    ruleInput: (input) => normalizeInput(input),
    summarize(input) {
      const target = `${input.repo_id}${input.repo_type === 'model' ? '' : ` (${input.repo_type})`}`;
      if (input.operation === 'upload') return `hf_repo_files upload ${input.local_path ?? input.path ?? ''} → ${target}${input.create_pr ? ' as PR' : ''}`;
      if (input.operation === 'delete') return `hf_repo_files delete ${[input.path, ...(input.patterns ?? [])].filter(Boolean).join(', ')} from ${target}`;
      return `hf_repo_files ${input.operation} ${target}${input.path ? `/${input.path}` : ''}`;
    },
    async execute(raw, ctx) {
      const input = normalizeInput(raw);
      const call = createHubCall(config, ctx.signal);
      const kind: RepoKind = input.repo_type;
      try {
        if (input.operation === 'list') return call.redact(await listOperation(call, input));
        if (input.operation === 'read') return call.redact(await readOperation(call, input));
        if (input.operation === 'upload') return call.redact(await uploadOperation(call, input, ctx, upload));
        return call.redact(await deleteOperation(call, input));
      } catch (error) {
        throw call.toToolError(error, { label: repoLabel(kind, input.repo_id), pageUrl: repoPageUrl(config.hubUrl, kind, input.repo_id), kind: 'repo' });
      }
    },
  });
}
