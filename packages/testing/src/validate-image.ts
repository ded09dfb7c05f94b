import { sniffImage } from '@ml-intern/core';

const MEDIA_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Check base64 image bytes the way the Anthropic and OpenAI APIs do: a supported type, valid
 * base64, and a file whose magic bytes match the declared media type. Returns the problem, or
 * undefined when the image would be accepted.
 */
export function checkImageData(mediaType: unknown, data: unknown): string | undefined {
  if (typeof mediaType !== 'string' || !MEDIA_TYPES.has(mediaType)) {
    return `Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp' (got ${JSON.stringify(mediaType)})`;
  }
  if (typeof data !== 'string' || data.length === 0 || data.length % 4 !== 0 || !BASE64.test(data)) return 'Image data is not valid base64';
  const sniffed = sniffImage(Buffer.from(data, 'base64'));
  if (!sniffed) return 'Could not process image';
  if (sniffed.mediaType !== mediaType) return `Image does not match the provided media type ${mediaType}`;
  return undefined;
}

/** Split a `data:<type>;base64,<data>` URL; undefined when it is not one. */
export function parseDataUrl(url: unknown): { mediaType: string; data: string } | undefined {
  if (typeof url !== 'string') return undefined;
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1] as string, data: match[2] as string } : undefined;
}
