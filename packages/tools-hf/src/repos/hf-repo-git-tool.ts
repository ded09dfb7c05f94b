import { defineTool, ToolExecutionError, type Tool } from '@ml-intern/core';
import { z } from 'zod';
import { resolveHfConfig, type HfToolsOptions } from '../hf-config.js';
import { createHubCall, type HubCall } from '../hub-call.js';
import { HubHttpError } from '../hub-error.js';
import { loadHub } from '../hub-library.js';
import { repoApiUrl, repoIdSchema, repoLabel, repoPageUrl, repoTypeSchema } from './repo-reference.js';
import { formatDiscussionDetails, formatDiscussionList, formatRefs, type DiscussionDetails, type DiscussionSummary, type RepoRefs } from './repo-git-format.js';

const OPERATIONS = [
  'list_refs', 'create_branch', 'delete_branch', 'create_tag', 'delete_tag',
  'list_prs', 'list_discussions', 'get_pr', 'create_pr', 'comment_pr', 'merge_pr', 'close_pr', 'change_pr_status',
  'create_repo', 'update_repo',
] as const;

/** Operations that ask for approval by default (SPEC section 3). */
export const HF_REPO_GIT_APPROVAL_OPERATIONS: readonly string[] = ['delete_branch', 'delete_tag', 'merge_pr', 'create_repo', 'update_repo'];

const inputSchema = z.object({
  operation: z.enum(OPERATIONS).describe('Git and collaboration operation; delete_branch, delete_tag, merge_pr, create_repo and update_repo need approval.'),
  repo_id: repoIdSchema,
  repo_type: repoTypeSchema,
  branch: z.string().max(200).optional().describe('create_branch / delete_branch: branch name.'),
  from_rev: z.string().max(200).optional().describe('create_branch: start from this branch, tag or commit (default the main branch).'),
  tag: z.string().max(200).optional().describe('create_tag / delete_tag: tag name.'),
  revision: z.string().max(200).optional().describe('create_tag: revision to tag (default main).'),
  tag_message: z.string().max(1000).optional().describe('create_tag: annotation message.'),
  title: z.string().max(300).optional().describe('create_pr: title.'),
  description: z.string().max(20_000).optional().describe('create_pr: description (markdown).'),
  pr_num: z.number().int().min(1).optional().describe('PR or discussion number.'),
  comment: z.string().max(20_000).optional().describe('comment_pr: the comment; merge/close/change status: optional comment.'),
  status: z.enum(['open', 'closed', 'all']).default('open').describe('list_prs / list_discussions: filter (default open).'),
  new_status: z.enum(['open', 'closed']).optional().describe('change_pr_status: new status.'),
  private: z.boolean().optional().describe('create_repo: private (default true); update_repo: change visibility.'),
  gated: z.enum(['auto', 'manual', 'false']).optional().describe('update_repo: access gating ("false" removes it).'),
  space_sdk: z.enum(['gradio', 'streamlit', 'docker', 'static']).optional().describe('create_repo for a Space: SDK (default static).'),
  exist_ok: z.boolean().default(false).describe('create_repo: succeed if the repo already exists.'),
});

type Input = z.output<typeof inputSchema>;

/** Options of {@link createHfRepoGitTool}. */
export type HfRepoGitToolOptions = HfToolsOptions;

function need<T>(value: T | undefined, message: string): T {
  if (value === undefined || value === '') throw new ToolExecutionError(message);
  return value;
}

function postJson(call: HubCall, url: string, body: unknown, method = 'POST'): Promise<Response> {
  return call.send(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function runOperation(call: HubCall, input: Input): Promise<string> {
  const hubUrl = call.config.hubUrl;
  const api = repoApiUrl(hubUrl, input.repo_type, input.repo_id);
  const page = repoPageUrl(hubUrl, input.repo_type, input.repo_id);
  const repo = { type: input.repo_type, name: input.repo_id };
  const prNumber = () => need(input.pr_num, `${input.operation} needs pr_num.`);
  switch (input.operation) {
    case 'list_refs':
      return formatRefs(await call.json<RepoRefs>(`${api}/refs?include_prs=1`), input.repo_id);
    case 'create_branch': {
      const branch = need(input.branch, 'create_branch needs branch.');
      const { createBranch } = await loadHub();
      await createBranch({ ...call.library, repo, branch, ...(input.from_rev ? { revision: input.from_rev } : {}) });
      return `Created branch ${branch} in ${input.repo_id}${input.from_rev ? ` from ${input.from_rev}` : ''}: ${page}/tree/${encodeURIComponent(branch)}`;
    }
    case 'delete_branch': {
      const branch = need(input.branch, 'delete_branch needs branch.');
      const { deleteBranch } = await loadHub();
      await deleteBranch({ ...call.library, repo, branch });
      return `Deleted branch ${branch} from ${input.repo_id}.`;
    }
    case 'create_tag': {
      const tag = need(input.tag, 'create_tag needs tag.');
      const revision = input.revision ?? 'main';
      await postJson(call, `${api}/tag/${encodeURIComponent(revision)}`, { tag, ...(input.tag_message ? { message: input.tag_message } : {}) });
      return `Created tag ${tag} on ${revision} of ${input.repo_id}: ${page}/tree/${encodeURIComponent(tag)}`;
    }
    case 'delete_tag': {
      const tag = need(input.tag, 'delete_tag needs tag.');
      await call.send(`${api}/tag/${encodeURIComponent(tag)}`, { method: 'DELETE' });
      return `Deleted tag ${tag} from ${input.repo_id}.`;
    }
    case 'list_prs':
    case 'list_discussions': {
      const type = input.operation === 'list_prs' ? 'pull_request' : 'all';
      const result = await call.json<{ discussions?: DiscussionSummary[]; count?: number }>(`${api}/discussions?${new URLSearchParams({ type, status: input.status, p: '0' })}`);
      const heading = `${input.operation === 'list_prs' ? 'Pull requests' : 'Discussions and pull requests'} of ${input.repo_id} (${input.status})`;
      return formatDiscussionList(result.discussions ?? [], heading, page, result.count);
    }
    case 'get_pr':
      return formatDiscussionDetails(await call.json<DiscussionDetails>(`${api}/discussions/${prNumber()}`), page);
    case 'create_pr': {
      const title = need(input.title, 'create_pr needs title.');
      const created = await (await postJson(call, `${api}/discussions`, { title, description: input.description ?? '', pullRequest: true })).json() as { num: number };
      return `Opened pull request #${created.num} on ${input.repo_id}: ${page}/discussions/${created.num}\nPush changes to it with hf_repo_files upload and revision "refs/pr/${created.num}".`;
    }
    case 'comment_pr': {
      const comment = need(input.comment, 'comment_pr needs comment.');
      await postJson(call, `${api}/discussions/${prNumber()}/comment`, { comment });
      return `Commented on #${input.pr_num} of ${input.repo_id}: ${page}/discussions/${input.pr_num}`;
    }
    case 'merge_pr':
      await postJson(call, `${api}/discussions/${prNumber()}/merge`, input.comment ? { comment: input.comment } : {});
      return `Merged pull request #${input.pr_num} into ${input.repo_id}.`;
    case 'close_pr':
    case 'change_pr_status': {
      const status = input.operation === 'close_pr' ? 'closed' : need(input.new_status, 'change_pr_status needs new_status (open or closed).');
      await postJson(call, `${api}/discussions/${prNumber()}/status`, { status, ...(input.comment ? { comment: input.comment } : {}) });
      return `Set #${input.pr_num} of ${input.repo_id} to ${status}.`;
    }
    case 'create_repo': {
      const visibility = input.private === false ? 'public' : 'private';
      const { createRepo } = await loadHub();
      try {
        const created = await createRepo({ ...call.library, repo, visibility, ...(input.repo_type === 'space' ? { sdk: input.space_sdk ?? 'static' } : {}) });
        return `Created ${visibility} ${input.repo_type} repo ${input.repo_id}: ${created.repoUrl || page}`;
      } catch (error) {
        if (input.exist_ok && (error as { statusCode?: number }).statusCode === 409) return `${repoLabel(input.repo_type, input.repo_id)} already exists: ${page}`;
        throw error;
      }
    }
    case 'update_repo': {
      if (input.private === undefined && input.gated === undefined) throw new ToolExecutionError('update_repo needs private and/or gated.');
      const settings = {
        ...(input.private === undefined ? {} : { private: input.private }),
        ...(input.gated === undefined ? {} : { gated: input.gated === 'false' ? false : input.gated }),
      };
      await postJson(call, `${api}/settings`, settings, 'PUT');
      return `Updated ${input.repo_id}: ${Object.entries(settings).map(([key, value]) => `${key}=${String(value)}`).join(', ')}.`;
    }
  }
}

/**
 * `hf_repo_git`: branches, tags and refs, pull requests and discussions, and repo creation and
 * settings (new repos are private unless `private: false`). Destructive or publishing operations ask.
 */
export function createHfRepoGitTool(options: HfRepoGitToolOptions = {}): Tool<typeof inputSchema> {
  const config = resolveHfConfig(options);
  return defineTool({
    name: 'hf_repo_git',
    description:
      'Git-level operations on a Hub repo: list refs, create/delete branches and tags, list/read/open/comment/merge/close ' +
      'pull requests and discussions, create a repo (private by default) and update its visibility or gating.',
    inputSchema,
    readOnly: (input) => input.operation.startsWith('list') || input.operation.startsWith('get'),
    timeoutMs: 120_000,
    approval(input) {
      if (!HF_REPO_GIT_APPROVAL_OPERATIONS.includes(input.operation)) return { decision: 'allow' };
      const target = repoLabel(input.repo_type, input.repo_id);
      const reasons: Record<string, string> = {
        delete_branch: `deletes branch ${input.branch ?? '?'} of ${target}`,
        delete_tag: `deletes tag ${input.tag ?? '?'} of ${target}`,
        merge_pr: `merges pull request #${input.pr_num ?? '?'} into ${target}`,
        create_repo: `creates ${input.private === false ? 'public' : 'private'} ${target}`,
        update_repo: `changes settings of ${target}`,
      };
      return { decision: 'ask', reason: reasons[input.operation] as string };
    },
    summarize: (input) =>
      `hf_repo_git ${input.operation} ${input.repo_id}${input.branch ? ` branch=${input.branch}` : ''}${input.tag ? ` tag=${input.tag}` : ''}${input.pr_num ? ` #${input.pr_num}` : ''}`,
    async execute(input, ctx) {
      const call = createHubCall(config, ctx.signal);
      try {
        return call.redact(await runOperation(call, input));
      } catch (error) {
        const subject = { label: repoLabel(input.repo_type, input.repo_id), pageUrl: repoPageUrl(config.hubUrl, input.repo_type, input.repo_id), kind: 'repo' as const };
        if (error instanceof HubHttpError && error.status === 404 && input.pr_num !== undefined) {
          throw call.toToolError(error, { label: `#${input.pr_num} of ${subject.label}`, kind: 'other' });
        }
        throw call.toToolError(error, subject);
      }
    },
  });
}
