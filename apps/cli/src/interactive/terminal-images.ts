import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { sniffImage } from '@ml-intern/core';

/** How a terminal shows an image inline: the kitty graphics protocol, iTerm2's inline images, or sixel. */
export type InlineImageProtocol = 'kitty' | 'iterm2' | 'sixel';

/** Images larger than this are not drawn (a path is shown instead). */
const MAX_INLINE_BYTES = 10 * 1024 * 1024;
/** kitty takes its base64 payload in chunks of at most 4096 bytes. */
const KITTY_CHUNK = 4096;

/**
 * The inline image protocol this terminal speaks, from the environment it sets: kitty
 * (`KITTY_WINDOW_ID`, `TERM=xterm-kitty`, Ghostty), iTerm2 (`TERM_PROGRAM=iTerm.app`,
 * `LC_TERMINAL=iTerm2`, WezTerm), sixel (foot, mlterm, Konsole 22.04+). Inside tmux or screen
 * none (they do not pass the sequences through unless configured to).
 * `ML_INTERN_INLINE_IMAGES=off|kitty|iterm2|sixel` overrides.
 */
export function detectImageProtocol(env: Record<string, string | undefined>, isTTY: boolean): InlineImageProtocol | undefined {
  const forced = env.ML_INTERN_INLINE_IMAGES?.toLowerCase();
  if (forced === 'kitty' || forced === 'iterm2' || forced === 'sixel') return forced;
  if (forced === 'off' || forced === '0' || !isTTY) return undefined;
  if (env.TMUX || env.TERM?.startsWith('screen') || env.TERM?.startsWith('tmux')) return undefined;
  if (env.KITTY_WINDOW_ID || env.TERM === 'xterm-kitty' || env.TERM_PROGRAM === 'ghostty' || env.TERM === 'xterm-ghostty') return 'kitty';
  if (env.TERM_PROGRAM === 'iTerm.app' || env.LC_TERMINAL === 'iTerm2' || env.TERM_PROGRAM === 'WezTerm') return 'iterm2';
  if (/^(foot|mlterm|yaft)/.test(env.TERM ?? '') || Number(env.KONSOLE_VERSION ?? 0) >= 220400) return 'sixel';
  return undefined;
}

/**
 * The escape sequence that draws a PNG (kitty) or any image (iTerm2) `columns` cells wide, the
 * height following the aspect ratio. kitty needs PNG: other formats are for iTerm2 only.
 */
export function inlineImageSequence(protocol: 'kitty' | 'iterm2', bytes: Buffer, columns: number): string | undefined {
  const data = bytes.toString('base64');
  if (protocol === 'iterm2') return `\x1b]1337;File=inline=1;size=${bytes.length};width=${columns};preserveAspectRatio=1:${data}\x07`;
  if (sniffImage(bytes)?.mediaType !== 'image/png') return undefined;
  const chunks: string[] = [];
  for (let index = 0; index < data.length; index += KITTY_CHUNK) chunks.push(data.slice(index, index + KITTY_CHUNK));
  return chunks
    .map((chunk, index) => {
      const more = index < chunks.length - 1 ? 1 : 0;
      return index === 0 ? `\x1b_Gf=100,a=T,c=${columns},m=${more};${chunk}\x1b\\` : `\x1b_Gm=${more};${chunk}\x1b\\`;
    })
    .join('');
}

/** Pixels per terminal cell assumed for a sixel image's width. */
const SIXEL_CELL_PIXELS = 9;

/**
 * A sixel sequence for an image `columns` cells wide: decoded and scaled with sharp, quantised to
 * 256 colours and encoded with the `sixel` library.
 */
export async function sixelSequence(bytes: Buffer, columns: number): Promise<string> {
  const [{ default: sharp }, { image2sixel }] = await Promise.all([import('sharp'), import('sixel')]);
  const { data, info } = await sharp(bytes).resize({ width: columns * SIXEL_CELL_PIXELS, withoutEnlargement: true }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return image2sixel(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, 256, 1);
}

/**
 * An image file of the workspace for display: its absolute path, and its bytes when it is a
 * recognised image small enough to draw. Paths that lead outside the workspace give nothing.
 */
export function workspaceImage(cwd: string, file: string): { path: string; bytes?: Buffer } | undefined {
  try {
    const root = realpathSync(cwd);
    const resolved = realpathSync(path.resolve(cwd, file));
    if (resolved !== root && !resolved.startsWith(root + path.sep)) return undefined;
    if (statSync(resolved).size > MAX_INLINE_BYTES) return { path: resolved };
    const bytes = readFileSync(resolved);
    return sniffImage(bytes) ? { path: resolved, bytes } : undefined;
  } catch {
    return undefined;
  }
}

/** Shows the images the `read` tool gave the model: drawn inline where the terminal can, else their path. */
export class InlineImages {
  readonly #protocol: InlineImageProtocol | undefined;
  readonly #cwd: string;
  /** `read` calls by id: the path each read. */
  readonly #reads = new Map<string, string>();

  constructor(options: { protocol: InlineImageProtocol | undefined; cwd: string }) {
    this.#protocol = options.protocol;
    this.#cwd = options.cwd;
  }

  noteCall(id: string, tool: string, input: unknown): void {
    const file = (input as { path?: unknown } | undefined)?.path;
    if (tool === 'read' && typeof file === 'string') this.#reads.set(id, file);
  }

  /**
   * What to print after a tool's output: the image (sixel: once encoded), or a line with its
   * path; undefined for other output.
   */
  render(id: string, output: string, isError: boolean, columns: number): { sequence?: string | Promise<string | undefined>; path: string } | undefined {
    const file = this.#reads.get(id);
    this.#reads.delete(id);
    if (!file || isError || !output.endsWith('(attached as an image).')) return undefined;
    const image = workspaceImage(this.#cwd, file);
    if (!image) return undefined;
    const width = Math.max(10, Math.min(60, columns - 6));
    if (this.#protocol === 'sixel' && image.bytes) return { sequence: sixelSequence(image.bytes, width).catch(() => undefined), path: image.path };
    const sequence = this.#protocol && this.#protocol !== 'sixel' && image.bytes ? inlineImageSequence(this.#protocol, image.bytes, width) : undefined;
    return { ...(sequence ? { sequence } : {}), path: image.path };
  }
}
