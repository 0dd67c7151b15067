// Decoding a dataset image into the pixels a model encoder takes: EXIF-oriented, the user's crop applied,
// scaled to cover the bucket and centre-cropped, transparency flattened onto white, 8-bit RGB.
import sharp from 'sharp';
import type { Bucket } from './buckets';
import type { DatasetImage } from './dataset';

/** 8-bit RGB, row-major (the same shape as packages/models' RgbImage, so encoders take it directly). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The size the user sees (after EXIF orientation and crop), which picks the bucket. */
export async function visibleSize(image: DatasetImage): Promise<{ width: number; height: number }> {
  if (image.crop) return { width: image.crop.width, height: image.crop.height };
  const meta = await sharp(image.path).metadata();
  if (!meta.width || !meta.height) throw new Error(`${image.name} has no readable size.`);
  const swapped = (meta.orientation ?? 1) >= 5;
  return swapped ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
}

export async function loadTrainingImage(image: DatasetImage, bucket: Bucket, flip: boolean): Promise<RgbImage> {
  let pipeline = sharp(image.path).rotate();
  if (image.crop) {
    const c = image.crop;
    pipeline = pipeline.extract({ left: Math.round(c.x), top: Math.round(c.y), width: Math.round(c.width), height: Math.round(c.height) });
  }
  pipeline = pipeline.resize({ width: bucket.width, height: bucket.height, fit: 'cover', position: 'centre' });
  if (flip) pipeline = pipeline.flop();
  const { data, info } = await pipeline.flatten({ background: '#ffffff' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== bucket.width || info.height !== bucket.height) {
    throw new Error(`${image.name} decoded to ${info.width}×${info.height}×${info.channels}, expected ${bucket.width}×${bucket.height}×3.`);
  }
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
