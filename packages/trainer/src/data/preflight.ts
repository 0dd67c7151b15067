// Dataset checks that must pass before training starts, each with what to do about it.
import { MAX_REFERENCE_IMAGES, tooManyReferences } from '@lora-studio/api';
import sharp from 'sharp';
import { containsTrigger } from './captions';
import type { Dataset } from './dataset';
import { IMAGE_EXTENSIONS } from './dataset';

function listNames(names: string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

/** Edit LoRAs: every reference picture readable, at most three per image. */
async function referenceProblems(dataset: Dataset): Promise<string[]> {
  const problems: string[] = [];
  const tooMany = dataset.images.filter((i) => (i.references?.length ?? 0) > MAX_REFERENCE_IMAGES).map((i) => i.name);
  if (tooMany.length) problems.push(`${tooMany.length} image(s) have too many reference images: ${listNames(tooMany)}. ${tooManyReferences()}`);
  const unreadable: string[] = [];
  for (const image of dataset.images) {
    for (const ref of image.references ?? []) {
      try {
        const meta = await sharp(ref.path).metadata();
        if (!meta.width || !meta.height) throw new Error('no size');
      } catch (error) {
        unreadable.push(`${ref.name} of ${image.name} (${(error as Error).message.split('\n')[0]})`);
      }
    }
  }
  if (unreadable.length) problems.push(`${unreadable.length} reference image(s) cannot be read: ${listNames(unreadable)}. Replace or remove them.`);
  return problems;
}

export async function datasetProblems(dataset: Dataset, trigger: string): Promise<string[]> {
  const problems: string[] = [];
  if (dataset.images.length === 0) {
    problems.push(
      dataset.source === 'project'
        ? dataset.excludedCount > 0
          ? `all ${dataset.excludedCount} images of the project are excluded. Include at least one image (the guide suggests 20–30 for a subject, 50–150 for a style).`
          : 'the project has no images. Import images first (the guide suggests 20–30 for a subject, 50–150 for a style).'
        : `${dataset.root} has no images (${IMAGE_EXTENSIONS.join(', ')}). Put images there, each with a caption in a .txt file of the same name.`,
    );
    return problems;
  }
  const uncaptioned = dataset.images.filter((i) => i.caption === null || i.caption.length === 0).map((i) => i.name);
  if (uncaptioned.length) {
    problems.push(
      dataset.source === 'project'
        ? `${uncaptioned.length} image(s) have no caption: ${listNames(uncaptioned)}. Caption them in the Captions view or exclude them.`
        : `${uncaptioned.length} image(s) have no caption: ${listNames(uncaptioned)}. Add a .txt file with the same name beside each image.`,
    );
  }
  const unreadable: string[] = [];
  for (const image of dataset.images) {
    try {
      const meta = await sharp(image.path).metadata();
      if (!meta.width || !meta.height) throw new Error('no size');
      if (image.crop) {
        const c = image.crop;
        const swapped = (meta.orientation ?? 1) >= 5;
        const [w, h] = swapped ? [meta.height, meta.width] : [meta.width, meta.height];
        if (c.x < 0 || c.y < 0 || c.width < 1 || c.height < 1 || c.x + c.width > w || c.y + c.height > h) {
          problems.push(`${image.name} has a crop box outside the image (${w}×${h}). Reset its crop.`);
        }
      }
    } catch (error) {
      unreadable.push(`${image.name} (${(error as Error).message.split('\n')[0]})`);
    }
  }
  if (unreadable.length) problems.push(`${unreadable.length} image(s) cannot be read: ${listNames(unreadable)}. Replace or remove them.`);
  problems.push(...(await referenceProblems(dataset)));
  const captions = dataset.images.map((i) => i.caption).filter((c): c is string => !!c);
  if (captions.length > 0 && !captions.some((c) => containsTrigger(c, trigger))) {
    problems.push(`no caption contains the trigger word "${trigger}". Put it early in every caption, e.g. "a photo of ${trigger} person smiling in a park".`);
  }
  return problems;
}
