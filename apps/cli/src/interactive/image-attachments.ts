import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sniffImage, type ImagePart } from '@ml-intern/core';

/** `@path` mentions whose path names an image file. */
const MENTION = /(^|\s)@(\S+\.(?:png|jpe?g|gif|webp))(?=[\s,.;:!?)]*(?:\s|$))/gi;
/** Larger files are not attached: no provider takes them whole (OpenAI's limit is 20 MB). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

export interface ImageAttachments {
  images: ImagePart[];
  /** One line per attached image, for the user (`attached plot.png (PNG 640×480, 12 KB)`). */
  attached: string[];
  /** Mentions that could not be attached, and why. */
  problems: string[];
}

function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;
}

/**
 * The images a message mentions as `@path/to/plot.png` (relative to `cwd`, absolute or `~/…`):
 * read, recognised by their magic bytes and attached to the message, whose text stays as typed.
 */
export async function imageAttachments(text: string, cwd: string): Promise<ImageAttachments> {
  const result: ImageAttachments = { images: [], attached: [], problems: [] };
  const seen = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    const mention = match[2] as string;
    const file = path.resolve(cwd, expandHome(mention));
    if (seen.has(file)) continue;
    seen.add(file);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      result.problems.push(`@${mention}: no such file`);
      continue;
    }
    if (info.size > MAX_ATTACHMENT_BYTES) {
      result.problems.push(`@${mention}: ${info.size} bytes is too large to attach (at most ${MAX_ATTACHMENT_BYTES}); save a smaller image`);
      continue;
    }
    const bytes = await readFile(file);
    const image = sniffImage(bytes);
    if (!image) {
      result.problems.push(`@${mention}: not a PNG, JPEG, GIF or WebP image`);
      continue;
    }
    const { mediaType, width, height } = image;
    result.images.push({ type: 'image', mediaType, data: bytes.toString('base64'), width, height });
    result.attached.push(`attached ${mention} (${mediaType.slice(6).toUpperCase()} ${width}×${height}, ${Math.max(1, Math.round(bytes.length / 1024))} KB)`);
  }
  return result;
}
