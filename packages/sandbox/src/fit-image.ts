import { base64Bytes, type ImageInputLimits, type ImagePart } from '@ml-intern/core';

type Sharp = (typeof import('sharp'))['default'];

let loading: Promise<Sharp> | undefined;
/** sharp (libvips, prebuilt from npm) loads on the first image that needs it, not at startup. */
function loadSharp(): Promise<Sharp> {
  loading ??= import('sharp').then((module) => module.default);
  return loading;
}

/** The scale (≤ 1) that brings a width×height within `downscaleTo`. */
export function downscaleFactor(width: number, height: number, target: NonNullable<ImageInputLimits['downscaleTo']>): number {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  let scale = 1;
  if (target.longEdge !== undefined && long > target.longEdge) scale = Math.min(scale, target.longEdge / long);
  if (target.shortEdge !== undefined && short * scale > target.shortEdge) scale = Math.min(scale, target.shortEdge / short);
  return scale;
}

/**
 * An image downscaled to what a provider works at (`limits.downscaleTo`: Anthropic's 1568 px
 * long edge, OpenAI's 2048 px box and 768 px short side) and re-encoded as JPEG when still over
 * `limits.maxBytes`. An image already within the limits is returned as it is. For `fitImage` of
 * `createSession`.
 */
export async function fitImage(image: ImagePart, limits: ImageInputLimits): Promise<ImagePart> {
  const bytes = base64Bytes(image.data);
  const target = limits.downscaleTo ?? {};
  const sharp = await loadSharp();
  let { width, height } = image;
  if (width === undefined || height === undefined) {
    const metadata = await sharp(Buffer.from(image.data, 'base64')).metadata();
    width = metadata.width;
    height = metadata.height;
  }
  if (!width || !height) return image;
  const scale = downscaleFactor(width, height, target);
  if (scale >= 1 && bytes <= limits.maxBytes) return image;
  const input = Buffer.from(image.data, 'base64');
  let size = { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
  // A GIF keeps its first frame, as a PNG: what the model looks at is a picture, not an animation.
  const format = image.mediaType === 'image/jpeg' ? 'jpeg' : image.mediaType === 'image/webp' ? 'webp' : 'png';
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const pipeline = sharp(input).resize(size.width, size.height, { fit: 'fill' });
    const asJpeg = attempt > 0 || format === 'jpeg';
    const output = asJpeg ? await pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: attempt > 1 ? 70 : 85 }).toBuffer() : await pipeline.toFormat(format).toBuffer();
    if (output.length <= limits.maxBytes) {
      return { type: 'image', mediaType: asJpeg ? 'image/jpeg' : (`image/${format}` as ImagePart['mediaType']), data: output.toString('base64'), width: size.width, height: size.height };
    }
    if (attempt > 0) size = { width: Math.max(1, Math.floor(size.width * 0.75)), height: Math.max(1, Math.floor(size.height * 0.75)) };
  }
  return image;
}
