// Prior preservation: before the first step, the base model draws pictures for the dataset's captions with the
// trigger taken out, and they join the training set with those plain captions. The LoRA then learns two things
// at once — the concept where the trigger is, and "change nothing" where it is not — which keeps it from leaking
// into every prompt. The pictures are files in RUN_DIR/prior/, so a resumed run trains on the very same ones.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { withoutTrigger } from './captions';
import type { DatasetImage } from './dataset';
import type { RgbImage } from './images';

export interface PriorImageRequest {
  dir: string;
  count: number;
  /** Captions of the dataset, in dataset order; picture i uses caption i modulo their number. */
  captions: string[];
  trigger: string;
  seed: number;
  render(caption: string, seed: number): Promise<RgbImage>;
  onProgress?(done: number, total: number): void;
}

/** The plain captions the prior pictures are drawn from (empty ones dropped: they would teach nothing). */
export function priorCaptions(captions: string[], trigger: string): string[] {
  return captions.map((c) => withoutTrigger(c, trigger)).filter((c) => c.length > 0);
}

/** Distinct seeds per picture, far from the sample seeds (small numbers) a user picks. */
function priorSeed(seed: number, index: number): number {
  return (Math.imul(seed + 1, 0x9e3779b1) + 7919 * (index + 1)) >>> 0;
}

/**
 * Draws the missing pictures (PNG + .txt caption per index; the PNG is renamed into place last, so a killed run
 * leaves either a whole picture or none) and returns all of them as dataset images.
 */
export async function ensurePriorImages(req: PriorImageRequest): Promise<DatasetImage[]> {
  const plain = priorCaptions(req.captions, req.trigger);
  if (req.count > 0 && plain.length === 0) {
    throw new Error(`Prior preservation needs captions with more than the trigger "${req.trigger}" in them; every caption is empty without it. Describe the images, or set prior-preservation images to 0.`);
  }
  mkdirSync(req.dir, { recursive: true });
  const images: DatasetImage[] = [];
  for (let i = 0; i < req.count; i++) {
    const name = `prior-${String(i).padStart(4, '0')}`;
    const png = join(req.dir, `${name}.png`);
    const txt = join(req.dir, `${name}.txt`);
    const caption = plain[i % plain.length]!;
    // A picture drawn for another caption (the dataset changed before a resume) is drawn again.
    if (!existsSync(png) || !existsSync(txt) || readFileSync(txt, 'utf8') !== caption) {
      const image = await req.render(caption, priorSeed(req.seed, i));
      writeFileSync(txt, caption);
      const bytes = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
      writeFileSync(`${png}.tmp`, bytes);
      renameSync(`${png}.tmp`, png);
    }
    images.push({
      name: `prior/${name}.png`,
      path: png,
      contentHash: createHash('sha256').update(readFileSync(png)).digest('hex'),
      caption,
      crop: null,
      repeats: 1,
    });
    req.onProgress?.(i + 1, req.count);
  }
  return images;
}
