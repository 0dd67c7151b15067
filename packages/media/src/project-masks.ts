import { InvalidInputError } from '@lora-studio/api';
import { confinedPath, replaceFile, type ProjectStore } from '@lora-studio/store';
import { rmSync } from 'node:fs';
import sharp from 'sharp';
import { UnknownImages } from './catalog';
import { ImageRows } from './image-rows';
import { sha256 } from './sha256';
import { IMPORT_LIMITS } from './thresholds';

/**
 * Masks for masked training as the project keeps them: grey PNGs (white = learn, black = ignore) at the upright size
 * of their image, in the project's images folder, named by the image's hash (so the orphan sweep removes them with
 * their image). A painted mask's name also carries the start of its own hash: the file a page has cached under the
 * old name is never the new mask.
 */

export class MaskUnreadable extends InvalidInputError {
  override name = 'MaskUnreadable';
}

/** What a mask file may be: the formats of MASK_FILE_EXTENSIONS, as decoded (never SVG, PDF or others sharp reads). */
const MASK_FORMATS = new Set(['png', 'jpeg', 'webp']);

/** The mask stretched over its image (upright, any size given), as 8-bit grey PNG; throws MaskUnreadable. */
export async function projectMaskPng(bytes: Buffer, width: number, height: number): Promise<Buffer> {
  const unreadable = new MaskUnreadable('The mask is not a readable image. Send a PNG, JPEG or WebP (white = learn, black = ignore).');
  try {
    // The same pixel cap as images: a mask cannot be a decompression bomb either.
    const input = () => sharp(bytes, { limitInputPixels: IMPORT_LIMITS.maxPixels });
    const { format } = await input().metadata();
    if (!MASK_FORMATS.has(format)) throw unreadable;
    return await input().rotate().flatten({ background: '#000000' }).greyscale()
      .resize({ width, height, fit: 'fill' }).toColourspace('b-w').png().toBuffer();
  } catch {
    throw unreadable;
  }
}

/** Where a painted mask is kept, relative to the project folder. */
export function paintedMaskPath(imageHash: string, png: Buffer): string {
  return `images/${imageHash}-mask-${sha256(png).slice(0, 16)}.png`;
}

export class ProjectMasks {
  private readonly rows: ImageRows;
  constructor(private readonly store: ProjectStore) {
    this.rows = new ImageRows(store);
  }

  /**
   * Replaces image `id`'s mask with `png` (any readable image; stretched over the image), or removes it (null). The
   * new file is complete before the row names it, and the old file goes only after, so a crash leaves either mask
   * whole. Returns the stored path, or null.
   */
  async set(id: number, png: Buffer | null): Promise<string | null> {
    const row = this.rows.get(id);
    if (!row) throw new UnknownImages([id]);
    const previous = row.mask;
    let file: string | null = null;
    if (png !== null) {
      const stored = await projectMaskPng(png, row.width, row.height);
      file = paintedMaskPath(row.hash, stored);
      if (file !== previous) replaceFile(confinedPath(this.store.dir, file), stored);
    }
    this.rows.setMaskFile(id, file);
    if (previous !== null && previous !== file) rmSync(confinedPath(this.store.dir, previous), { force: true });
    return file;
  }
}
