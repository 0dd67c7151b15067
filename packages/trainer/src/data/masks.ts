// Masked training: an image's mask laid over the same pixels its training picture shows (the user's crop, the
// bucket's cover crop, the flip), averaged over each latent token's patch of pixels, as loss weights per token.
import sharp from 'sharp';
import type { Bucket } from './buckets';
import type { DatasetImage } from './dataset';

/**
 * The loss weight of each latent token (row-major over the grid): unmaskedWeight + (1 − unmaskedWeight) · mask, the
 * mask's patch mean in 0–1. An image without a mask weighs 1 everywhere.
 */
export async function maskTokenWeights(image: DatasetImage, bucket: Bucket, sizeMultiple: number, flip: boolean, unmaskedWeight: number): Promise<Float32Array> {
  const cols = bucket.width / sizeMultiple;
  const rows = bucket.height / sizeMultiple;
  const out = new Float32Array(cols * rows).fill(1);
  if (!image.mask) return out;
  const pixels = await maskPixels(image, bucket, flip);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let y = r * sizeMultiple; y < (r + 1) * sizeMultiple; y++) {
        for (let x = c * sizeMultiple; x < (c + 1) * sizeMultiple; x++) sum += pixels[y * bucket.width + x]!;
      }
      const m = sum / (255 * sizeMultiple * sizeMultiple);
      out[r * cols + c] = unmaskedWeight + (1 - unmaskedWeight) * m;
    }
  }
  return out;
}

/**
 * Scales a row's weights to mean 1, so its loss is a weighted mean of its tokens' errors (a row of ones stays ones
 * exactly, which keeps an unmasked image's loss bit for bit). A row weighing nothing anywhere stays zeros: it teaches
 * nothing rather than dividing by zero.
 */
export function normaliseRow(weights: Float32Array): Float32Array {
  let sum = 0;
  for (const w of weights) sum += w;
  if (sum === 0) return weights;
  const mean = sum / weights.length;
  return weights.map((w) => w / mean);
}

/** The mask as 8-bit grey at the bucket's size, stretched over the visible image first (a mask of another size). */
async function maskPixels(image: DatasetImage, bucket: Bucket, flip: boolean): Promise<Uint8Array> {
  const mask = image.mask!;
  const meta = await sharp(image.path).metadata();
  if (!meta.width || !meta.height) throw new Error(`${image.name} has no readable size.`);
  const swapped = (meta.orientation ?? 1) >= 5;
  const visible = swapped ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
  let stretched: Buffer;
  try {
    stretched = await sharp(mask.bytes ?? mask.path).rotate().flatten({ background: '#000000' }).greyscale()
      .resize({ width: visible.width, height: visible.height, fit: 'fill' }).png().toBuffer();
  } catch {
    throw new Error(`The mask of ${image.name} (${mask.path}) is not a readable image. Replace it with a greyscale PNG or remove it.`);
  }
  let pipeline = sharp(stretched);
  if (image.crop) {
    const c = image.crop;
    pipeline = pipeline.extract({ left: Math.round(c.x), top: Math.round(c.y), width: Math.round(c.width), height: Math.round(c.height) });
  }
  pipeline = pipeline.resize({ width: bucket.width, height: bucket.height, fit: 'cover', position: 'centre' });
  if (flip) pipeline = pipeline.flop();
  const { data, info } = await pipeline.extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  if (info.width !== bucket.width || info.height !== bucket.height || info.channels !== 1) {
    throw new Error(`The mask of ${image.name} decoded to ${info.width}×${info.height}×${info.channels}, expected ${bucket.width}×${bucket.height}×1.`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
