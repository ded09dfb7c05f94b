import { openAsBlob } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { defineTool, ToolExecutionError, type ToolContext, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { resolveHfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall, type HubCall } from '../hub-call.js';
import { loadHub } from '../hub-library.js';
import { formatBytes } from '../text-limits.js';
import { globToRegExp, normalizeRepoPath, repoIdSchema, repoLabel, repoPageUrl, repoTypeSchema, type RepoKind } from './repo-reference.js';

const inputSchema = z.object({
  operation: z.enum(['list', 'read', 'upload', 'delete']).describe('list files, read one file, upload a file (needs approval), delete files (needs approval).'),
  repo_id: repoIdSchema,
  repo_type: repoTypeSchema,
  revision: z.string().max(200).default('main').describe('Branch, tag, commit or "refs/pr/N" (default main).'),
  path: z.string().max(1000).optional().describe('list: folder (default root); read: file path; upload: destination path (default the local file name); delete: one file.'),
  content: z.string().optional().describe('upload: the file content as text.'),
  local_path: z.string().max(1000).optional().describe('upload: a file in the workspace to upload instead of content.'),
  patterns: z.array(z.string().max(300)).max(50).optional().describe('delete: globs over repo paths, e.g. ["checkpoints/**", "*.tmp"].'),
  create_pr: z.boolean().default(false).describe('upload/delete: open a pull request instead of committing to the revision.'),
  commit_message: z.string().max(500).optional().describe('upload/delete: commit title.'),
  offset: z.number().int().min(0).default(0).describe('read: byte offset to continue a long file.'),
  max_chars: z.number().int().min(1_000).max(100_000).default(20_000).describe('read: bytes to return (default 20000).'),
});

type Input = z.output<typeof inputSchema>;

/** Options of {@link createHfRepoFilesTool}. */
export type HfRepoFilesToolOptions = HfToolsOptions;

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
  };
}

function normalizeLocalPath(value: string): string {
  if (value.includes('\0')) throw new ToolExecutionError('local_path contains a NUL character.');
  let normalized = path.posix.normalize(value);
  while (normalized.startsWith('./')) normalized = normalized.slice(2);
  return normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized;
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

async function uploadOperation(call: HubCall, input: Input, ctx: ToolContext): Promise<string> {
  if ((input.content === undefined) === (input.local_path === undefined)) throw new ToolExecutionError('upload needs exactly one of content or local_path.');
  let content: Blob;
  let destination = input.path || undefined;
  if (input.local_path !== undefined) {
    const file = await workspaceFile(ctx, input.local_path);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) throw new ToolExecutionError(`local_path ${input.local_path} is not a file in the workspace.`);
    content = await openAsBlob(file);
    destination ??= path.basename(file);
  } else {
    content = new Blob([input.content as string]);
  }
  if (!destination) throw new ToolExecutionError('upload needs path (the destination in the repo).');
  const { uploadFile } = await loadHub();
  const result = await uploadFile({
    ...call.library,
    repo: { type: input.repo_type, name: input.repo_id },
    file: { path: destination, content },
    commitTitle: input.commit_message ?? `Upload ${destination}`,
    branch: input.revision,
    isPullRequest: input.create_pr,
    abortSignal: ctx.signal,
  });
  const page = repoPageUrl(call.config.hubUrl, input.repo_type, input.repo_id);
  const lines = [`Uploaded ${destination} (${formatBytes(content.size)}) to ${input.repo_id} (${input.repo_type}).`];
  if (result?.pullRequestUrl) lines.push(`Pull request: ${result.pullRequestUrl}`);
  else lines.push(`File: ${page}/blob/${input.revision}/${destination}`);
  if (result?.commit.url) lines.push(`Commit: ${result.commit.url}`);
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
 * `hf_repo_files`: list, read, upload (text or a workspace file, optionally as a PR) and delete
 * (paths or globs) files of a model, dataset or Space repo. Uploads and deletes ask for approval.
 */
export function createHfRepoFilesTool(options: HfRepoFilesToolOptions = {}): Tool<typeof inputSchema> {
  const config = resolveHfConfig(options);
  return defineTool({
    name: 'hf_repo_files',
    description:
      'Files of a Hub repo (model, dataset or Space): list (recursive, sizes), read a text file (windowed by offset), ' +
      'upload a file from text content or a workspace file (optionally as a pull request), delete files by path or glob ' +
      'patterns. Upload and delete change the repo and need approval.',
    inputSchema,
    readOnly: (input) => input.operation === 'list' || input.operation === 'read',
    timeoutMs: 600_000,
    approval(input) {
      if (input.operation === 'upload' || input.operation === 'delete') {
        return { decision: 'ask', reason: `${input.operation === 'upload' ? 'uploads to' : 'deletes files from'} ${repoLabel(input.repo_type, input.repo_id)}${input.create_pr ? ' (as a pull request)' : ` on ${input.revision}`}` };
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
        if (input.operation === 'upload') return call.redact(await uploadOperation(call, input, ctx));
        return call.redact(await deleteOperation(call, input));
      } catch (error) {
        throw call.toToolError(error, { label: repoLabel(kind, input.repo_id), pageUrl: repoPageUrl(config.hubUrl, kind, input.repo_id), kind: 'repo' });
      }
    },
  });
}
