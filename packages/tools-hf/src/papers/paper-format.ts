import { formatCount, oneLine, truncateText } from '../text-limits.js';

/** The fields of the Hub papers API the tool shows. */
export interface HubPaper {
  id?: string;
  title?: string;
  summary?: string;
  upvotes?: number;
  publishedAt?: string;
  authors?: { name?: string }[];
  ai_summary?: string;
  ai_keywords?: string[];
  githubRepo?: string;
  githubStars?: number;
  projectPage?: string;
}

/** An entry of `/api/daily_papers` or `/api/papers/search` (the paper nested or flat). */
export interface HubPaperEntry extends HubPaper {
  paper?: HubPaper;
}

export function paperOf(entry: HubPaperEntry): HubPaper {
  return { ...entry, ...(entry.paper ?? {}) };
}

export function formatPaperList(entries: readonly HubPaperEntry[], heading: string, hubUrl: string): string {
  const lines = [`# ${heading}`, `${entries.length} paper(s)`, ''];
  entries.forEach((entry, index) => {
    const paper = paperOf(entry);
    lines.push(`## ${index + 1}. ${paper.title ?? 'Untitled'}`);
    lines.push(`arxiv_id: ${paper.id ?? '?'} | upvotes: ${paper.upvotes ?? 0}${paper.publishedAt ? ` | published: ${paper.publishedAt.slice(0, 10)}` : ''}`);
    lines.push(`${hubUrl}/papers/${paper.id ?? ''}`);
    if (paper.ai_keywords?.length) lines.push(`Keywords: ${paper.ai_keywords.slice(0, 6).join(', ')}`);
    if (paper.githubRepo) lines.push(`GitHub: ${paper.githubRepo}${paper.githubStars ? ` (${paper.githubStars} stars)` : ''}`);
    const summary = paper.ai_summary || paper.summary;
    if (summary) lines.push(`Summary: ${oneLine(summary, 300)}`);
    lines.push('');
  });
  lines.push('Next: hf_papers paper_details / read_paper / find_all_resources with an arxiv_id.');
  return lines.join('\n');
}

export function formatPaperDetails(paper: HubPaper, hubUrl: string, arxivUrl: string): string {
  const lines = [`# ${paper.title ?? 'Untitled'}`, `arxiv_id: ${paper.id} | upvotes: ${paper.upvotes ?? 0}${paper.publishedAt ? ` | published: ${paper.publishedAt.slice(0, 10)}` : ''}`];
  lines.push(`${hubUrl}/papers/${paper.id}`, `${arxivUrl}/abs/${paper.id}`);
  const authors = (paper.authors ?? []).map((author) => author.name).filter(Boolean) as string[];
  if (authors.length) lines.push(`Authors: ${authors.slice(0, 12).join(', ')}${authors.length > 12 ? ` (+${authors.length - 12} more)` : ''}`);
  if (paper.ai_keywords?.length) lines.push(`Keywords: ${paper.ai_keywords.join(', ')}`);
  if (paper.githubRepo) lines.push(`GitHub: ${paper.githubRepo}${paper.githubStars ? ` (${paper.githubStars} stars)` : ''}`);
  if (paper.projectPage) lines.push(`Project page: ${paper.projectPage}`);
  if (paper.ai_summary) lines.push('', '## AI summary', paper.ai_summary);
  if (paper.summary) lines.push('', '## Abstract', truncateText(paper.summary.trim(), 2_500));
  lines.push('', 'Next: read_paper (table of contents, then a section), find_all_resources (models, datasets, collections).');
  return lines.join('\n');
}

export interface LinkedRepo {
  name: string;
  downloads?: number;
  likes?: number;
  task?: string;
  library?: string;
}

export interface LinkedCollection {
  slug: string;
  title: string;
  owner?: string;
  upvotes?: number;
  items?: number;
  description?: string;
}

export function formatLinkedRepos(kind: 'models' | 'datasets', repos: readonly LinkedRepo[], arxivId: string, hubUrl: string): string {
  if (repos.length === 0) return `## ${kind === 'models' ? 'Models' : 'Datasets'}\nNone linked to ${arxivId} on the Hub.`;
  const lines = [`## ${kind === 'models' ? 'Models' : 'Datasets'} citing ${arxivId} (${repos.length})`];
  for (const repo of repos) {
    const url = kind === 'models' ? `${hubUrl}/${repo.name}` : `${hubUrl}/datasets/${repo.name}`;
    const extras = [repo.task, repo.library].filter(Boolean).join(', ');
    lines.push(`- ${repo.name} — ${formatCount(repo.downloads)} downloads, ${repo.likes ?? 0} likes${extras ? ` (${extras})` : ''} — ${url}`);
  }
  if (kind === 'datasets') lines.push(`Inspect one with hf_inspect_dataset({ dataset: "${repos[0]?.name}" }).`);
  return lines.join('\n');
}

export function formatCollections(collections: readonly LinkedCollection[], arxivId: string, hubUrl: string): string {
  if (collections.length === 0) return `## Collections\nNo public collection contains ${arxivId}.`;
  const lines = [`## Collections containing ${arxivId} (${collections.length})`];
  for (const collection of collections) {
    lines.push(`- ${collection.title} by ${collection.owner ?? '?'} — ${collection.upvotes ?? 0} upvotes — ${hubUrl}/collections/${collection.slug}`);
    if (collection.description) lines.push(`  ${oneLine(collection.description, 200)}`);
  }
  return lines.join('\n');
}
