import { z } from 'zod';
import { projectDirSchema } from './projects';

/**
 * Edit LoRAs: a dataset image may have reference images (the "before" picture, a pose, a style), which FLUX.2 reads
 * as clean tokens beside the image it makes. Three at most, as FLUX.2 edit trainers take.
 */
export const MAX_REFERENCE_IMAGES = 3;

/** The one sentence for more reference images than that (Compare, grid --reference, the trainer's dataset checks). */
export function tooManyReferences(got?: number): string {
  return `FLUX.2 edit LoRAs take at most ${MAX_REFERENCE_IMAGES} reference images${got === undefined ? '' : ` (got ${got})`}; remove the extra ones.`;
}

/**
 * The folder convention the other trainers share, and the studio with them: `control/NAME.png` is the first reference
 * of `NAME.<ext>` in the folder above, `control_1/NAME.png` the second, `control_2/NAME.png` the third.
 */
export const REFERENCE_FOLDERS: readonly string[] = ['control', 'control_1', 'control_2'];

/** The reference slot (0–2) a folder of that name holds, or null for any other folder. */
export function referenceSlotOfFolder(folderName: string): number | null {
  const i = REFERENCE_FOLDERS.indexOf(folderName.toLowerCase());
  return i < 0 ? null : i;
}

/** One reference image of a dataset image, as the project keeps it. */
export interface ImageReference {
  /** 0 = first (FLUX.2 time position 10), 1 = second (20), 2 = third (30). */
  slot: number;
  /** PNG relative to the project folder. */
  file: string;
  /** The name the user knows it by (the file imported, or the project image it was copied from). */
  sourceName: string;
}

const slotSchema = z.number().int().min(0).max(MAX_REFERENCE_IMAGES - 1);
const imageId = z.number().int().positive();

export const referencesArgs = {
  'references-list': z.object({ dir: projectDirSchema, id: imageId }).strict(),
  /** Puts a copy of another image of the project into a reference slot (the Dataset view's drop target). */
  'references-set': z.object({ dir: projectDirSchema, id: imageId, slot: slotSchema, fromImage: imageId }).strict(),
  'references-clear': z.object({ dir: projectDirSchema, id: imageId, slot: slotSchema }).strict(),
};

type Args<K extends keyof typeof referencesArgs> = z.infer<(typeof referencesArgs)[K]>;

export type ReferencesHandlers = {
  /** The image's references in slot order. */
  'references-list': (args: Args<'references-list'>) => Promise<ImageReference[]>;
  /** Returns the image's references as they are now. */
  'references-set': (args: Args<'references-set'>) => Promise<ImageReference[]>;
  'references-clear': (args: Args<'references-clear'>) => Promise<ImageReference[]>;
};
