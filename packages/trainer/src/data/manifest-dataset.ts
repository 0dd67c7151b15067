// A dataset rebuilt on another machine from a run queue job: `lora-dataset.json` lists the images with the fields
// a project holds (name, caption, crop, repeats, mask, content hash) and the file beside it that holds each one, so a
// run trained from it on a worker sees exactly the images, in the order, that the studio's project gave.
import { confinedPath } from '@lora-studio/store';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CropBox, Dataset } from './dataset';

export const MANIFEST_DATASET_FILE = 'lora-dataset.json';

export interface ManifestDatasetFile {
  version: 1;
  project?: { name: string; type: string; trigger: string };
  images: {
    name: string;
    /** A file name inside the dataset folder. */
    file: string;
    contentHash: string;
    caption: string | null;
    crop: CropBox | null;
    repeats: number;
    mask: { file: string; hash: string } | null;
    /** Edit LoRAs: the image's reference pictures in order (files inside the dataset folder). */
    references?: { file: string; hash: string; name: string }[];
  }[];
}

export function isManifestDatasetDir(dir: string): boolean {
  return existsSync(join(dir, MANIFEST_DATASET_FILE));
}

export function loadManifestDataset(dir: string): Dataset {
  const m = JSON.parse(readFileSync(join(dir, MANIFEST_DATASET_FILE), 'utf8')) as ManifestDatasetFile;
  if (m.version !== 1 || !Array.isArray(m.images)) throw new Error(`${join(dir, MANIFEST_DATASET_FILE)} is not a dataset list this version of LoRA Studio reads.`);
  return {
    source: 'folder',
    root: dir,
    // Encodings are keyed by content, model and resolution: every run on this dataset folder shares them.
    cacheDir: join(dir, 'cache'),
    images: m.images.map((i) => ({
      name: i.name,
      path: confinedPath(dir, i.file),
      contentHash: i.contentHash,
      caption: i.caption,
      crop: i.crop,
      repeats: i.repeats,
      mask: i.mask ? { path: confinedPath(dir, i.mask.file), hash: i.mask.hash } : null,
      ...(i.references?.length ? { references: i.references.map((r) => ({ name: r.name, path: confinedPath(dir, r.file), hash: r.hash })) } : {}),
    })),
    excludedCount: 0,
    ...(m.project ? { project: m.project } : {}),
  };
}
