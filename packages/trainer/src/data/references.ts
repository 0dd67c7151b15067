// Edit LoRAs: the reference images of a dataset image (FLUX.2 multi-reference), found by the folder convention the
// other trainers share (`control/NAME.png`, `control_1/…`, `control_2/…`) or read from a project's image_references,
// and turned into the pictures their encodings come from.
import { MAX_REFERENCE_IMAGES, REFERENCE_FOLDERS, tooManyReferences } from '@lora-studio/api';
import { confinedPath } from '@lora-studio/store';
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { visibleSize } from './images';
import type { DatasetImage, ReferenceImage } from './dataset';

const hashOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * The references of each image `NAME.<ext>` of the dataset folder: `control/NAME.<ext>`, `control_1/…`, `control_2/…`
 * in that order (a missing one is skipped, the rest keep their order). Each folder is listed once, not once per image.
 */
export function folderReferences(dir: string, imageExtensions: readonly string[]): (file: string) => ReferenceImage[] {
  const folders = REFERENCE_FOLDERS.flatMap((folder) => {
    const sub = join(dir, folder);
    return existsSync(sub) && statSync(sub).isDirectory() ? [{ folder, sub, files: readdirSync(sub).sort() }] : [];
  });
  return (file) => {
    const stem = basename(file, extname(file));
    const out: ReferenceImage[] = [];
    for (const { folder, sub, files } of folders) {
      const match = files.find((f) => basename(f, extname(f)) === stem && imageExtensions.includes(extname(f).toLowerCase()));
      if (match === undefined) continue;
      // A link inside control/ that leads out of the dataset folder is refused like any other path outside it.
      const path = confinedPath(dir, join(sub, match));
      out.push({ name: `${folder}/${match}`, path, hash: hashOf(readFileSync(path)) });
    }
    return out;
  };
}

/**
 * The references of the images `ids` (the included ones) from a project database, read-only: a project from before
 * references has none.
 */
export function projectReferences(db: Database.Database, dir: string, ids: ReadonlySet<number>): Map<number, ReferenceImage[]> {
  const byImage = new Map<number, ReferenceImage[]>();
  const hasTable = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'image_references'").pluck().get() !== undefined;
  if (!hasTable) return byImage;
  const rows = db.prepare('SELECT image_id AS id, file, source_name AS name FROM image_references ORDER BY image_id, slot').all() as { id: number; file: string; name: string }[];
  for (const r of rows.filter((row) => ids.has(row.id))) {
    const path = confinedPath(dir, join(dir, r.file));
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new Error(`The reference image ${r.name} (${path}) could not be read (${(err as Error).message}); restore the project's images folder from a backup, or set the reference again in the Dataset view.`);
    }
    byImage.set(r.id, [...(byImage.get(r.id) ?? []), { name: r.name, path, hash: hashOf(bytes) }]);
  }
  return byImage;
}

/** The most references any image of the dataset has (0: not an edit LoRA): what sizes the run's largest step. */
export function mostReferences(dataset: { images: readonly DatasetImage[] }): number {
  return dataset.images.reduce((n, i) => Math.max(n, i.references?.length ?? 0), 0);
}

/** How many references an image brings to training (at most MAX_REFERENCE_IMAGES; more is a broken dataset). */
export function referenceCount(image: DatasetImage): number {
  const n = image.references?.length ?? 0;
  if (n > MAX_REFERENCE_IMAGES) throw new Error(`${image.name}: ${tooManyReferences(n)}`);
  return n;
}

/**
 * A reference as a dataset picture for the encoder and its cache: encoded at its image's bucket (the same cover crop
 * and flip, so an edit pair stays aligned), with its image's crop when both pictures have the same size (the "before"
 * of a before/after pair) and whole otherwise. Its cache key is its own content hash.
 */
export async function referencePictures(image: DatasetImage): Promise<DatasetImage[]> {
  const refs = image.references ?? [];
  if (refs.length === 0) return [];
  const own = image.crop ? await visibleSize({ ...image, crop: null }) : undefined;
  const out: DatasetImage[] = [];
  for (const [i, ref] of refs.entries()) {
    const picture: DatasetImage = { name: `${image.name} (reference ${i + 1}: ${ref.name})`, path: ref.path, contentHash: ref.hash, caption: null, crop: null, repeats: 1 };
    let size;
    try {
      size = await visibleSize(picture);
    } catch {
      throw new Error(`The reference image ${ref.name} of ${image.name} is not a readable image (${ref.path}). Replace it or remove it.`);
    }
    const sameSize = own !== undefined && size.width === own.width && size.height === own.height;
    out.push(sameSize ? { ...picture, crop: image.crop } : picture);
  }
  return out;
}
