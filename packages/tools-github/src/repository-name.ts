import { ToolExecutionError } from '@ml-intern/core';

export interface RepositoryName {
  owner: string;
  name: string;
}

const PART = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * Read a repository reference as a model writes it: `owner/name`, a github.com URL (with or
 * without `.git` and a path after it), or a bare `name` under `defaultOwner`.
 */
export function parseRepositoryName(text: string, defaultOwner?: string): RepositoryName {
  let value = text.trim().replace(/^(?:https?:\/\/)?(?:www\.)?github\.com\//i, '').replace(/^\/+/, '');
  value = value.replace(/[?#].*$/, '');
  const parts = value.split('/').filter(Boolean);
  let owner: string | undefined;
  let name: string | undefined;
  if (parts.length === 1) {
    owner = defaultOwner;
    name = parts[0];
  } else if (parts.length >= 2) {
    [owner, name] = parts;
  }
  name = name?.replace(/\.git$/, '');
  if (!owner || !name || !PART.test(owner) || !PART.test(name)) {
    throw new ToolExecutionError(`"${text}" is not a GitHub repository; use the form owner/name (e.g. huggingface/transformers).`);
  }
  return { owner, name };
}
