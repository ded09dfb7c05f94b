import { oneLine, truncateText } from '../text-limits.js';

export interface GitRef {
  name: string;
  ref?: string;
  targetCommit?: string;
}

export interface RepoRefs {
  branches?: GitRef[];
  tags?: GitRef[];
  converts?: GitRef[];
  pullRequests?: GitRef[];
}

export interface DiscussionSummary {
  num: number;
  title: string;
  status: string;
  isPullRequest?: boolean;
  author?: { name?: string };
  createdAt?: string;
  numComments?: number;
}

export interface DiscussionEvent {
  type: string;
  author?: { name?: string };
  createdAt?: string;
  data?: { latest?: { raw?: string }; status?: string; subject?: string; oid?: string; from?: string; to?: string };
}

export interface DiscussionDetails extends DiscussionSummary {
  events?: DiscussionEvent[];
  changes?: { base?: string; mergeCommitId?: string };
  diff?: string;
  conflictingFiles?: string[] | null;
}

export function formatRefs(refs: RepoRefs, repoId: string): string {
  const lines = [`# Refs of ${repoId}`];
  const section = (title: string, list: GitRef[] | undefined) => {
    lines.push('', `## ${title} (${list?.length ?? 0})`);
    for (const ref of list ?? []) lines.push(`- ${ref.name}${ref.targetCommit ? ` @ ${ref.targetCommit.slice(0, 12)}` : ''}${ref.ref ? ` (${ref.ref})` : ''}`);
  };
  section('Branches', refs.branches);
  section('Tags', refs.tags);
  if (refs.pullRequests?.length) section('Pull request refs', refs.pullRequests);
  return lines.join('\n');
}

export function formatDiscussionList(items: readonly DiscussionSummary[], heading: string, pageUrl: string, total?: number): string {
  const lines = [`# ${heading}`, `${items.length}${total !== undefined && total > items.length ? ` of ${total}` : ''} shown`, ''];
  for (const item of items) {
    lines.push(`- #${item.num} [${item.isPullRequest ? 'PR' : 'discussion'}, ${item.status}] ${item.title} — by ${item.author?.name ?? '?'}${item.createdAt ? ` on ${item.createdAt.slice(0, 10)}` : ''}${item.numComments ? `, ${item.numComments} comments` : ''} — ${pageUrl}/discussions/${item.num}`);
  }
  if (items.length === 0) lines.push('(none)');
  return lines.join('\n');
}

function describeEvent(event: DiscussionEvent): string {
  const who = event.author?.name ?? '?';
  const when = event.createdAt ? ` (${event.createdAt.slice(0, 16).replace('T', ' ')})` : '';
  switch (event.type) {
    case 'comment':
      return `- ${who}${when}: ${truncateText((event.data?.latest?.raw ?? '').trim(), 1_500)}`;
    case 'status-change':
      return `- ${who}${when} changed the status to ${event.data?.status ?? '?'}`;
    case 'commit':
      return `- ${who}${when} pushed ${event.data?.oid?.slice(0, 12) ?? 'a commit'}: ${oneLine(event.data?.subject, 200)}`;
    case 'title-change':
      return `- ${who}${when} renamed it from "${event.data?.from ?? ''}" to "${event.data?.to ?? ''}"`;
    default:
      return `- ${who}${when}: ${event.type}`;
  }
}

export function formatDiscussionDetails(details: DiscussionDetails, pageUrl: string): string {
  const lines = [
    `# #${details.num} ${details.title}`,
    `${details.isPullRequest ? 'Pull request' : 'Discussion'} | status: ${details.status} | by ${details.author?.name ?? '?'}${details.createdAt ? ` | ${details.createdAt.slice(0, 10)}` : ''}`,
    `${pageUrl}/discussions/${details.num}`,
  ];
  if (details.isPullRequest) {
    lines.push(`Git ref: refs/pr/${details.num}${details.changes?.base ? ` → ${details.changes.base}` : ''}${details.changes?.mergeCommitId ? ` (merged as ${details.changes.mergeCommitId.slice(0, 12)})` : ''}`);
    if (details.conflictingFiles?.length) lines.push(`Conflicting files: ${details.conflictingFiles.join(', ')}`);
  }
  const events = details.events ?? [];
  if (events.length) lines.push('', `## Events (${events.length})`, ...events.slice(-30).map(describeEvent));
  if (details.diff) lines.push('', '## Diff', '```diff', truncateText(details.diff, 6_000), '```');
  return lines.join('\n');
}
