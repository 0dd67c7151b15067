import type { ImageMetrics } from '@lora-studio/api';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { readExif, type ExifFacts } from './exif';
import { perceptualHash } from './phash';
import { blockiness, borderStdDev, colourfulness, exposure, laplacianVariance, lookSignature, luma } from './pixels';
import { IMPORT_LIMITS } from './thresholds';

/** A file we refuse, with the reason the user sees. */
export class ImageRejected extends Error {
  override name = 'ImageRejected';
}

/** The formats the studio imports (sharp names); AVIF and HEIC both report as 'heif'. */
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif']);

export const THUMB_SMALL = 256;
export const THUMB_LARGE = 1024;
/** Long side of the grey image the sharpness figure is measured on, so it does not depend on resolution. */
const ANALYSIS_SIZE = 512;
/**
 * Blockiness needs original pixels; a centred window this size (4,096 JPEG blocks) is enough and bounds the cost,
 * which is paid on the main thread for every imported photo.
 */
const BLOCK_WINDOW = 512;

export interface PreparedImage {
  format: string;
  /** File extension for the stored original. */
  extension: string;
  exif: ExifFacts;
  /** Pixel metrics; text and faces stay null until the background analyzers run. */
  metrics: ImageMetrics;
  thumbSmall: Buffer;
  thumbLarge: Buffer;
}

/**
 * Decodes one image safely and measures it. Refuses (ImageRejected) anything that is not a whole, decodable image of
 * an accepted format within IMPORT_LIMITS; the header is checked before any pixels are decoded.
 */
export async function prepareImage(bytes: Buffer): Promise<PreparedImage> {
  if (bytes.length === 0) throw new ImageRejected('The file is empty (0 bytes).');
  const options = { failOn: 'truncated', limitInputPixels: IMPORT_LIMITS.maxPixels, pages: 1 } as const;
  let meta: Metadata;
  try {
    // Header only, without the pixel limit, so an oversized image gets the precise message below.
    meta = await sharp(bytes, { failOn: 'truncated', limitInputPixels: false, pages: 1 }).metadata();
  } catch (err) {
    throw new ImageRejected(`This is not an image we can read (${describe(err)}). Export it as JPEG or PNG and try again.`);
  }
  const format = meta.format ?? 'unknown';
  if (!ACCEPTED_FORMATS.has(format)) {
    throw new ImageRejected(`${format.toUpperCase()} files are not imported; use JPEG, PNG, WebP, AVIF, TIFF, GIF or HEIC.`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width < 1 || height < 1) throw new ImageRejected('The image declares no size; the file is damaged.');
  if (width * height > IMPORT_LIMITS.maxPixels) {
    throw new ImageRejected(
      `The image declares ${width}×${height} pixels (${Math.round((width * height) / 1e6)} MP), over the ${IMPORT_LIMITS.maxPixels / 1e6} MP limit. ` +
        'Files like this are usually damaged or built to exhaust memory; resize it first if it is a real photo.',
    );
  }

  let full: { data: Buffer; info: OutputInfo };
  try {
    // One full decode, upright and 8-bit sRGB; transparent areas become white so metrics see what a viewer sees.
    full = await sharp(bytes, options)
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    const msg = describe(err);
    if (/premature end|truncat|unexpected end/i.test(msg)) {
      throw new ImageRejected(`The image is cut off (${msg}); the file was not copied completely. Copy it again from the original.`);
    }
    if (/heif|heic|hevc|codec|unsupported/i.test(msg) && format === 'heif') {
      throw new ImageRejected(`This HEIC/AVIF file uses a codec this build cannot decode (${msg}). Export it as JPEG and try again.`);
    }
    throw new ImageRejected(`The image could not be decoded (${msg}); the file is damaged.`);
  }
  const { data, info } = full;
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const;

  const large = await sharp(data, raw)
    .resize(THUMB_LARGE, THUMB_LARGE, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const largeRaw = { raw: { width: large.info.width, height: large.info.height, channels: large.info.channels } } as const;
  const [thumbLarge, small] = await Promise.all([
    sharp(large.data, largeRaw).jpeg({ quality: 85 }).toBuffer(),
    sharp(large.data, largeRaw).resize(ANALYSIS_SIZE, ANALYSIS_SIZE, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true }),
  ]);
  // The small thumbnail and the hash miniatures come from the 512-px image: a quarter of the pixels to read.
  // (An image smaller than that was enlarged for the metrics; its thumbnail comes from its own pixels.)
  const smallRaw = { raw: { width: small.info.width, height: small.info.height, channels: small.info.channels } } as const;
  const enlarged = small.info.width > large.info.width;
  const [thumbSmall, grey32, grey8] = await Promise.all([
    (enlarged ? sharp(large.data, largeRaw) : sharp(small.data, smallRaw)).resize(THUMB_SMALL, THUMB_SMALL, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer(),
    sharp(small.data, smallRaw).resize(32, 32, { fit: 'fill' }).greyscale().raw().toBuffer(),
    sharp(small.data, smallRaw).resize(8, 8, { fit: 'fill' }).greyscale().raw().toBuffer(),
  ]);

  const sw = small.info.width;
  const sh = small.info.height;
  const smallGrey = luma(small.data, sw, sh, small.info.channels);
  const exp = exposure(smallGrey);
  const metrics: ImageMetrics = {
    width: info.width,
    height: info.height,
    megapixels: round((info.width * info.height) / 1e6, 2),
    aspectRatio: round(Math.max(info.width, info.height) / Math.min(info.width, info.height), 3),
    sharpness: round(laplacianVariance(smallGrey, sw, sh), 1),
    meanLuma: round(exp.meanLuma, 1),
    highlightsClipped: round(exp.highlightsClipped, 4),
    shadowsClipped: round(exp.shadowsClipped, 4),
    blockiness: round(format === 'jpeg' ? windowBlockiness(data, info.width, info.height, info.channels) : 1, 3),
    colourfulness: round(colourfulness(small.data, sw * sh, small.info.channels), 1),
    borderStdDev: round(borderStdDev(smallGrey, sw, sh), 2),
    phash: perceptualHash(new Uint8Array(grey32.buffer, grey32.byteOffset, grey32.length)),
    tiny: grey8.toString('hex'),
    look: lookSignature(small.data, sw, sh, small.info.channels),
    text: null,
    faces: null,
  };
  return {
    format: format === 'heif' ? (meta.compression === 'av1' ? 'avif' : 'heic') : format,
    extension: extensionFor(format, meta.compression),
    exif: readExif(meta.exif),
    metrics,
    thumbSmall,
    thumbLarge,
  };
}

/** Blockiness of a centred window, aligned to the 8-px JPEG grid of the (upright) original. */
function windowBlockiness(data: Buffer, width: number, height: number, channels: number): number {
  const w = Math.min(width, BLOCK_WINDOW);
  const h = Math.min(height, BLOCK_WINDOW);
  const x0 = Math.floor((width - w) / 2 / 8) * 8;
  const y0 = Math.floor((height - h) / 2 / 8) * 8;
  const grey = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0, p = ((y0 + y) * width + x0) * channels; x < w; x++, p += channels) {
      grey[y * w + x] = channels >= 3 ? ((data[p]! * 299 + data[p + 1]! * 587 + data[p + 2]! * 114 + 500) / 1000) | 0 : data[p]!;
    }
  }
  return blockiness(grey, w, h);
}

function extensionFor(format: string, compression: string | undefined): string {
  if (format === 'jpeg') return 'jpg';
  if (format === 'tiff') return 'tif';
  if (format === 'heif') return compression === 'av1' ? 'avif' : 'heic';
  return format;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function describe(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
}
