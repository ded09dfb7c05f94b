import type { ImagePart } from './messages.js';

export type ImageMediaType = ImagePart['mediaType'];

/** What the header of an image file says: its type and size in pixels. */
export interface ImageInfo {
  mediaType: ImageMediaType;
  width: number;
  height: number;
}

function u16be(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

function u16le(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
}

function u24le(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16);
}

function u32be(bytes: Uint8Array, at: number): number {
  return (((bytes[at] ?? 0) << 24) >>> 0) + (((bytes[at + 1] ?? 0) << 16) | ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0));
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

function jpegSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) {
      at += 2; // markers without a length
      continue;
    }
    // Start-of-frame markers (not DHT C4, JPG C8, DAC CC) hold the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: u16be(bytes, at + 5), width: u16be(bytes, at + 7) };
    }
    at += 2 + u16be(bytes, at + 2);
  }
  return undefined;
}

function webpSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const chunk = ascii(bytes, 12, 4);
  if (chunk === 'VP8 ' && bytes.length >= 30) return { width: u16le(bytes, 26) & 0x3fff, height: u16le(bytes, 28) & 0x3fff };
  if (chunk === 'VP8L' && bytes.length >= 25) {
    const b0 = bytes[21] ?? 0;
    const b1 = bytes[22] ?? 0;
    const b2 = bytes[23] ?? 0;
    const b3 = bytes[24] ?? 0;
    return { width: 1 + (((b1 & 0x3f) << 8) | b0), height: 1 + (((b3 & 0x0f) << 10) | (b2 << 2) | ((b1 & 0xc0) >> 6)) };
  }
  if (chunk === 'VP8X' && bytes.length >= 30) return { width: 1 + u24le(bytes, 24), height: 1 + u24le(bytes, 27) };
  return undefined;
}

/**
 * Recognise a PNG, JPEG, GIF or WebP file by its magic bytes and read its size from the header
 * (no decoding). Undefined for anything else, or a header too short or damaged to give a size.
 */
export function sniffImage(bytes: Uint8Array): ImageInfo | undefined {
  let size: { width: number; height: number } | undefined;
  let mediaType: ImageMediaType;
  if (bytes.length >= 24 && bytes[0] === 0x89 && ascii(bytes, 1, 3) === 'PNG' && ascii(bytes, 12, 4) === 'IHDR') {
    mediaType = 'image/png';
    size = { width: u32be(bytes, 16), height: u32be(bytes, 20) };
  } else if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    mediaType = 'image/jpeg';
    size = jpegSize(bytes);
  } else if (bytes.length >= 10 && (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')) {
    mediaType = 'image/gif';
    size = { width: u16le(bytes, 6), height: u16le(bytes, 8) };
  } else if (bytes.length >= 16 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') {
    mediaType = 'image/webp';
    size = webpSize(bytes);
  } else {
    return undefined;
  }
  if (!size || size.width <= 0 || size.height <= 0) return undefined;
  return { mediaType, ...size };
}

/** Tokens assumed for an image whose size is unknown (about the most one costs). */
export const UNKNOWN_IMAGE_TOKENS = 1_600;

/**
 * Estimated input tokens of one image: Anthropic's documented (width × height) / 750, after the
 * downscale providers apply to large images (long edge 1568 px, about 1.15 megapixels), so one
 * image never counts more than about 1,600 tokens. OpenAI's tile pricing lands in the same range.
 */
export function estimateImageTokens(image: Pick<ImagePart, 'width' | 'height'>): number {
  const { width, height } = image;
  if (!width || !height) return UNKNOWN_IMAGE_TOKENS;
  const scale = Math.min(1, 1568 / Math.max(width, height), Math.sqrt(1_150_000 / (width * height)));
  return Math.max(1, Math.ceil((width * scale * (height * scale)) / 750));
}

/** Estimated tokens of all images of a message. */
export function estimateImagesTokens(images: readonly Pick<ImagePart, 'width' | 'height'>[]): number {
  let total = 0;
  for (const image of images) total += estimateImageTokens(image);
  return total;
}
