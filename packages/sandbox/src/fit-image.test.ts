import { randomBytes } from 'node:crypto';
import { sniffImage, type ImagePart } from '@ml-intern/core';
import { testPng } from '@ml-intern/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { downscaleFactor, fitImage } from './fit-image.js';

function png(bytes: Buffer): ImagePart {
  const info = sniffImage(bytes);
  return { type: 'image', mediaType: 'image/png', data: bytes.toString('base64'), ...(info ? { width: info.width, height: info.height } : {}) };
}

describe('fitImage', () => {
  it('scales to the long edge (Anthropic) and to the 2048 box and 768 short side (OpenAI)', () => {
    expect(downscaleFactor(3136, 200, { longEdge: 1568 })).toBe(0.5);
    expect(downscaleFactor(1000, 800, { longEdge: 1568 })).toBe(1);
    expect(downscaleFactor(4096, 2048, { longEdge: 2048, shortEdge: 768 })).toBe(0.375);
    expect(downscaleFactor(2000, 1500, { longEdge: 2048, shortEdge: 768 })).toBe(0.512);
  });

  it('returns an image within the limits as it is', async () => {
    const image = png(testPng(640, 480));
    expect(await fitImage(image, { maxBytes: 5 * 1024 * 1024, downscaleTo: { longEdge: 1568 } })).toBe(image);
  });

  it('downscales a large plot, keeping its format', async () => {
    const fitted = await fitImage(png(testPng(4000, 1000)), { maxBytes: 5 * 1024 * 1024, downscaleTo: { longEdge: 1568 } });
    expect(fitted).toMatchObject({ mediaType: 'image/png', width: 1568, height: 392 });
    expect(sniffImage(Buffer.from(fitted.data, 'base64'))).toMatchObject({ mediaType: 'image/png', width: 1568, height: 392 });
  });

  it('re-encodes as JPEG when the downscaled image is still over the byte limit', async () => {
    // Noise does not compress: 800×800 RGB is ~1.9 MB as PNG.
    const noise = await sharp(randomBytes(800 * 800 * 3), { raw: { width: 800, height: 800, channels: 3 } }).png().toBuffer();
    const fitted = await fitImage(png(noise), { maxBytes: 600 * 1024, downscaleTo: { longEdge: 1568 } });
    expect(fitted.mediaType).toBe('image/jpeg');
    expect(Buffer.from(fitted.data, 'base64').length).toBeLessThanOrEqual(600 * 1024);
    expect(sniffImage(Buffer.from(fitted.data, 'base64'))?.mediaType).toBe('image/jpeg');
  });
});
