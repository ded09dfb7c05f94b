import { ToolExecutionError } from '@ml-intern/core';
import type { HubCall } from '../hub-call.js';
import { buildModelCard, isModelFolder, type ModelCardDetails } from './model-card.js';
import { addToSessionCollection, artifactKey, PLACEHOLDER_MARKER, PROVENANCE_HEADING, readReadme, withProvenance, type SessionArtifacts } from './provenance.js';
import type { RepoKind } from './repo-reference.js';
import { findSecretsInText, type SecretScanner } from './workspace-folder.js';

export interface UploadTarget {
  repoType: RepoKind;
  repoId: string;
  revision: string;
  /** Destination folder in the repo ('' or undefined: the root). */
  prefix?: string | undefined;
}

export interface UploadProvenanceOptions {
  provenance: boolean;
  artifacts: SessionArtifacts;
  sessionId: string;
  scanner: SecretScanner;
}

/** The folder being uploaded, for a model card. */
export interface UploadedFolder {
  absolute: string;
  /** Relative posix paths of the files uploaded. */
  files: readonly string[];
  workspace: string;
  details?: ModelCardDetails | undefined;
}

/** Whether provenance applies: enabled, and the repo was created by the agent in this session. */
export function isAgentRepo(options: UploadProvenanceOptions, target: UploadTarget): boolean {
  return options.provenance && options.artifacts.created.has(artifactKey(target.repoType, target.repoId));
}

/** The card a model folder without a README gets (the same text the approval shows). */
export function modelCardFor(target: UploadTarget, folder: UploadedFolder, hubUrl: string, provenance: boolean): string | undefined {
  if (target.repoType !== 'model' || target.prefix || folder.files.includes('README.md') || !isModelFolder(folder.files)) return undefined;
  return buildModelCard({ repoId: target.repoId, hubUrl, folder: folder.absolute, files: folder.files, workspace: folder.workspace, details: folder.details, provenance });
}

/**
 * Adjust an upload's files before its one commit: a model folder without a README gets a model
 * card (unless the repo has a README someone wrote), and a repo the agent created gets the
 * provenance tag and section in its README. Returns notes for the result.
 */
export async function applyUploadProvenance(call: HubCall, target: UploadTarget, files: { path: string; content: Blob }[], options: UploadProvenanceOptions, folder?: UploadedFolder): Promise<string[]> {
  const notes: string[] = [];
  const agentRepo = isAgentRepo(options, target);
  const readmePath = target.prefix ? `${target.prefix}/README.md` : 'README.md';
  const uploaded = files.find((file) => file.path === 'README.md');
  if (uploaded) {
    if (agentRepo) uploaded.content = new Blob([withProvenance(await uploaded.content.text(), target.repoType, target.repoId, call.config.hubUrl)]);
    return notes;
  }
  const card = folder ? modelCardFor(target, folder, call.config.hubUrl, options.provenance) : undefined;
  if (card) {
    const existing = await readReadme(call, target.repoType, target.repoId, target.revision).catch(() => undefined);
    if (existing === undefined || existing.includes(PLACEHOLDER_MARKER)) {
      const findings = findSecretsInText(card, 'README.md (model card)', options.scanner);
      if (findings.length) throw new ToolExecutionError(`refused: the model card would contain a secret (from the training script, line ${findings[0]?.line}); nothing was uploaded. Remove it from the script or pass model_card.training_script pointing to a clean copy.`);
      files.push({ path: 'README.md', content: new Blob([card]) });
      notes.push('Wrote a model card (README.md): the folder had none.');
      return notes;
    }
    notes.push('The folder has no README.md; the repo already has one, so no model card was written.');
  }
  if (agentRepo && readmePath === 'README.md') {
    const existing = await readReadme(call, target.repoType, target.repoId, target.revision).catch(() => undefined);
    if (!existing?.includes(PROVENANCE_HEADING)) files.push({ path: 'README.md', content: new Blob([withProvenance(existing, target.repoType, target.repoId, call.config.hubUrl)]) });
  }
  return notes;
}

/** After the commit: add a repo the agent created to the session's collection (best effort, noted). */
export async function collectUploadedRepo(call: HubCall, target: UploadTarget, options: UploadProvenanceOptions): Promise<string[]> {
  if (!isAgentRepo(options, target)) return [];
  try {
    return [`Added to the session's private collection: ${await addToSessionCollection(call, options.artifacts, options.sessionId, target.repoType, target.repoId)}`];
  } catch (error) {
    return [`(Could not add the repo to the session's collection: ${call.describe(error, { label: 'the collection', kind: 'other' })})`];
  }
}
