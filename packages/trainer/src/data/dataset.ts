// A training dataset: the included images of a project (project.sqlite, read-only: the host is the single
// writer) or a folder of image + `.txt` caption pairs.
import { maskOwnerStem } from '@lora-studio/api';
import { confinedPath } from '@lora-studio/store';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { folderReferences, projectReferences } from './references';
import { isManifestDatasetDir, loadManifestDataset } from './manifest-dataset';

export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DatasetImage {
  /** The name the user knows the image by (file name). */
  name: string;
  path: string;
  /** sha256 of the original bytes: with model id and resolution, the key of its cached encoding. */
  contentHash: string;
  /** null when the image has no caption yet. */
  caption: string | null;
  /** In original (EXIF-oriented) pixels; null = the whole image. */
  crop: CropBox | null;
  repeats: number;
  /**
   * Masked training: a greyscale picture over the image (white = learn, black = ignore, grey = weight), any size
   * (it is stretched over the image), with the sha256 of its bytes for the dataset hash. Absent = no mask. `bytes`
   * are the file as read when the dataset was loaded: training reads those, so a mask repainted (or removed) while
   * the run trains changes neither the run nor its dataset hash.
   */
  mask?: { path: string; hash: string; bytes?: Uint8Array } | null;
  /**
   * Edit LoRAs: the pictures FLUX.2 reads as clean reference tokens beside this one (at most three, in order: the
   * first gets time position 10, the second 20, the third 30). Absent or empty = an ordinary image.
   */
  references?: ReferenceImage[];
}

/** A reference image of a dataset image, with the sha256 of its bytes (the cache key and the dataset hash). */
export interface ReferenceImage {
  /** The name the user knows it by. */
  name: string;
  path: string;
  hash: string;
}

export interface Dataset {
  source: 'project' | 'folder';
  root: string;
  /** Where encodings are cached: the project's cache/ or, for a folder dataset, the run folder's cache/. */
  cacheDir: string;
  images: DatasetImage[];
  /** Images the user excluded in the project (not trained on). */
  excludedCount: number;
  /** The project's own settings, when the dataset is a project. */
  project?: { name: string; type: string; trigger: string };
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff'];

export function isProjectDir(dir: string): boolean {
  return existsSync(join(dir, 'project.sqlite'));
}

/** A project folder or a folder of images with captions, whichever `dir` is. */
export function loadDataset(dir: string, options: { folderCacheDir: string }): Dataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`${dir} is not a folder. Give a project folder or a folder of images with .txt captions.`);
  }
  if (isProjectDir(dir)) return loadProjectDataset(dir);
  return isManifestDatasetDir(dir) ? loadManifestDataset(dir) : loadFolderDataset(dir, options.folderCacheDir);
}

/** `NAME_mask.png` beside `NAME.png` (the convention of the other trainers, `maskOwnerStem`): the image's mask. */
export function maskFileFor(file: string, files: readonly string[]): string | undefined {
  const stem = basename(file, extname(file));
  return files.find((f) => maskOwnerStem(f) === stem);
}

/** Whether `file` is the mask of another image among `files`. */
export function isMaskFile(file: string, files: readonly string[]): boolean {
  const owner = maskOwnerStem(file);
  return owner !== null && files.some((f) => f !== file && basename(f, extname(f)) === owner && IMAGE_EXTENSIONS.includes(extname(f).toLowerCase()));
}

export function loadFolderDataset(dir: string, cacheDir: string): Dataset {
  const files = readdirSync(dir).sort();
  const referencesOf = folderReferences(dir, IMAGE_EXTENSIONS);
  const images = files
    .filter((f) => IMAGE_EXTENSIONS.includes(extname(f).toLowerCase()) && !isMaskFile(f, files))
    .map((file): DatasetImage => {
      const path = join(dir, file);
      const captionPath = join(dir, `${basename(file, extname(file))}.txt`);
      const maskFile = maskFileFor(file, files);
      const maskBytes = maskFile ? readFileSync(join(dir, maskFile)) : undefined;
      const mask = maskFile && maskBytes ? { path: join(dir, maskFile), hash: createHash('sha256').update(maskBytes).digest('hex'), bytes: maskBytes } : null;
      const references = referencesOf(file);
      return {
        mask,
        ...(references.length > 0 ? { references } : {}),
        name: file,
        path,
        contentHash: createHash('sha256').update(readFileSync(path)).digest('hex'),
        caption: existsSync(captionPath) ? readFileSync(captionPath, 'utf8').trim() : null,
        crop: null,
        repeats: 1,
      };
    });
  return { source: 'folder', root: dir, cacheDir, images, excludedCount: 0 };
}

interface ImageRow {
  id: number;
  hash: string;
  file: string;
  source_name: string;
  crop: string | null;
  repeats: number;
  excluded: number;
  caption: string | null;
  mask_file: string | null;
}

/** A project image's stored mask, hashed from its bytes like a folder's mask so a changed mask changes the dataset. */
function projectMask(dir: string, image: string, file: string): { path: string; hash: string; bytes: Uint8Array } {
  const path = confinedPath(dir, join(dir, file));
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`The mask of ${image} (${path}) could not be read (${(err as Error).message}); restore the project's images folder from a backup, or delete the image and import it again with its mask.`);
  }
  return { path, hash: createHash('sha256').update(bytes).digest('hex'), bytes };
}

export function loadProjectDataset(dir: string): Dataset {
  const db = new Database(join(dir, 'project.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const project = db.prepare('SELECT name, type, trigger FROM project WHERE id = 1').get() as Dataset['project'];
    // A project last opened before masks existed has no mask_file column yet (read-only here: nothing is migrated).
    const hasMasks = (db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('images') as string[]).includes('mask_file');
    const rows = db
      .prepare(
        `SELECT i.id, i.hash, i.file, i.source_name, i.crop, i.repeats, i.excluded, c.text AS caption,
           ${hasMasks ? 'i.mask_file' : 'NULL'} AS mask_file
         FROM images i LEFT JOIN captions c ON c.image_id = i.id ORDER BY i.id`,
      )
      .all() as ImageRow[];
    const included = rows.filter((r) => r.excluded === 0);
    const references = projectReferences(db, dir, new Set(included.map((r) => r.id)));
    return {
      source: 'project',
      root: dir,
      cacheDir: join(dir, 'cache'),
      images: included.map((r) => ({
        name: r.source_name,
        path: join(dir, r.file),
        contentHash: r.hash,
        caption: r.caption === null ? null : r.caption.trim(),
        crop: r.crop ? (JSON.parse(r.crop) as CropBox) : null,
        repeats: r.repeats,
        mask: r.mask_file === null ? null : projectMask(dir, r.source_name, r.mask_file),
        ...(references.has(r.id) ? { references: references.get(r.id)! } : {}),
      })),
      excludedCount: rows.length - included.length,
      project,
    };
  } finally {
    db.close();
  }
}
