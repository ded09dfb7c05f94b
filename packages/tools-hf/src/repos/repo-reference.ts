import path from 'node:path';
import { ToolExecutionError } from '@ml-intern/core';
import { z } from 'zod';

export const REPO_TYPES = ['model', 'dataset', 'space'] as const;
export type RepoKind = (typeof REPO_TYPES)[number];

export const repoIdSchema = z
  .string()
  .regex(/^[\w.-]+(\/[\w.-]+)?$/, 'use "owner/name", e.g. "my-user/my-model"')
  .describe('Repository id, "owner/name".');

export const repoTypeSchema = z.enum(REPO_TYPES).default('model').describe('model (default), dataset or space.');

/** `/api/models/owner/name` style API prefix. */
export function repoApiUrl(hubUrl: string, type: RepoKind, id: string): string {
  return `${hubUrl}/api/${type}s/${id}`;
}

/** The repo's page on the Hub (models live at the root). */
export function repoPageUrl(hubUrl: string, type: RepoKind, id: string): string {
  return type === 'model' ? `${hubUrl}/${id}` : `${hubUrl}/${type}s/${id}`;
}

export function repoLabel(type: RepoKind, id: string): string {
  return `${type} repo "${id}"`;
}

/**
 * Convert a repository glob to a RegExp over full paths: `*` stays within a folder, `**` crosses
 * folders, `?` is one character, `{a,b}` alternates. A pattern without `/` also matches basenames.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index] as string;
    if (char === '*') {
      if (pattern[index + 1] === '*') {
        index += 1;
        if (pattern[index + 1] === '/') {
          index += 1;
          source += '(?:.*/)?';
        } else source += '.*';
      } else source += '[^/]*';
    } else if (char === '?') source += '[^/]';
    else if (char === '{') {
      const close = pattern.indexOf('}', index);
      if (close < 0) source += '\\{';
      else {
        source += `(?:${pattern.slice(index + 1, close).split(',').map((part) => part.replace(/[.+^${}()|[\]\\*?]/g, '\\$&')).join('|')})`;
        index = close;
      }
    } else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(pattern.includes('/') ? `^${source}$` : `(?:^|/)${source}$`);
}

/**
 * A path inside a repo as the tools use it and approval rules see it: posix-normalised
 * (`a//b/./c` → `a/b/c`), without a leading `./` or trailing `/` (`.` and `./` are the root, '').
 * Refuses absolute paths and any `..` segment (also between backslashes), which the Hub would
 * otherwise resolve or reject in ways a rule over the path could not foresee.
 */
export function normalizeRepoPath(value: string, name = 'path'): string {
  if (value.includes('\0')) throw new ToolExecutionError(`${name} contains a NUL character.`);
  if (value.startsWith('/')) {
    throw new ToolExecutionError(`${name} "${value}" is absolute; repo paths are relative to the repo root (e.g. "${value.replace(/^\/+/, '') || 'README.md'}").`);
  }
  if (value.split(/[\\/]/).includes('..')) throw new ToolExecutionError(`${name} "${value}" contains "..", which is not allowed in repo paths; give the path from the repo root.`);
  let normalized = path.posix.normalize(value);
  while (normalized.startsWith('./')) normalized = normalized.slice(2);
  if (normalized === '.') return '';
  return normalized.replace(/\/+$/, '');
}
