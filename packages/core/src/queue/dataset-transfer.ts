// A run's dataset on its way to a worker: the studio uploads each image (and mask, and reference images) by content plus a manifest of
// the fields the trainer reads; the worker rebuilds a dataset folder from it in its cache, downloading only files it
// does not hold yet.
import { existsSync, linkSync, copyFileSync, mkdirSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { loadDataset, MANIFEST_DATASET_FILE, type ManifestDatasetFile } from '@lora-studio/trainer';
import type { ArtifactRef, ArtifactStore } from './artifact-store';
import { mapInOrder } from './in-order';
import { parseManifest, type DatasetManifest } from './run-job';

/** Uploads the included images of a project or an image folder; returns the manifest's reference. */
export async function uploadDataset(datasetDir: string, store: ArtifactStore): Promise<{ ref: ArtifactRef; images: number }> {
  // A folder dataset would cache its encodings in a run folder: this read never encodes, so a scratch one does.
  const scratch = mkdtempSync(join(tmpdir(), 'lora-queue-upload-'));
  try {
    const dataset = loadDataset(datasetDir, { folderCacheDir: scratch });
    const manifest: DatasetManifest = { version: 1, images: [] };
    if (dataset.project) manifest.project = dataset.project;
    manifest.images = await mapInOrder(dataset.images, TRANSFERS_IN_FLIGHT, async (image) => {
      const file = await store.putFile(image.path);
      const mask = image.mask ? { file: await store.putFile(image.mask.path), ext: extname(image.mask.path).toLowerCase(), hash: image.mask.hash } : null;
      const references = [];
      for (const r of image.references ?? []) references.push({ file: await store.putFile(r.path), ext: extname(r.path).toLowerCase(), hash: r.hash, name: r.name });
      return {
        name: image.name, file, ext: extname(image.path).toLowerCase(), contentHash: image.contentHash,
        caption: image.caption, crop: image.crop, repeats: image.repeats, mask, ...(references.length ? { references } : {}),
      };
    });
    return { ref: await store.put(Buffer.from(JSON.stringify(manifest))), images: manifest.images.length };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface MaterializedDataset {
  dir: string;
  downloaded: number;
  reused: number;
}

/** Images, masks and references in flight at once: hides a remote store's round trips without a flood of requests. */
const TRANSFERS_IN_FLIGHT = 8;

/**
 * A file from the worker's content cache, downloaded (and checked) only when it is not there yet. One dataset may
 * name the same content twice (a duplicate image): `pending` makes the second wait for the first's download.
 */
function cachedFile(store: ArtifactStore, cacheDir: string, ref: ArtifactRef, pending: Map<string, Promise<string>>): Promise<{ path: string; downloaded: boolean }> {
  const path = join(cacheDir, 'files', ref.sha256);
  const inFlight = pending.get(ref.sha256);
  if (inFlight) return inFlight.then((p) => ({ path: p, downloaded: false }));
  if (existsSync(path) && statSync(path).size === ref.size) return Promise.resolve({ path, downloaded: false });
  const download = store.getToFile(ref, path).then(() => path);
  pending.set(ref.sha256, download);
  return download.then((p) => ({ path: p, downloaded: true }));
}

function place(from: string, to: string): void {
  if (existsSync(to)) return;
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** The dataset folder for `manifestRef` in the worker's cache (`datasets/<sha256>/`), built once and reused. */
export async function materializeDataset(store: ArtifactStore, manifestRef: ArtifactRef, cacheDir: string): Promise<MaterializedDataset> {
  const dir = join(cacheDir, 'datasets', manifestRef.sha256);
  const listed = join(dir, MANIFEST_DATASET_FILE);
  if (existsSync(listed)) return { dir, downloaded: 0, reused: 0 };
  const manifest = parseManifest(await store.get(manifestRef));
  mkdirSync(dir, { recursive: true });
  let downloaded = 0;
  let reused = 0;
  const file: ManifestDatasetFile = { version: 1, images: [] };
  if (manifest.project) file.project = manifest.project;
  const pending = new Map<string, Promise<string>>();
  file.images = await mapInOrder(manifest.images, TRANSFERS_IN_FLIGHT, async (image) => {
    // Files are named by their content, never by a name from the job.
    const got = await cachedFile(store, cacheDir, image.file, pending);
    if (got.downloaded) downloaded++; else reused++;
    const name = `${image.file.sha256}${image.ext}`;
    place(got.path, join(dir, name));
    let mask: ManifestDatasetFile['images'][number]['mask'] = null;
    if (image.mask) {
      const m = await cachedFile(store, cacheDir, image.mask.file, pending);
      const maskName = `${image.mask.file.sha256}-mask${image.mask.ext}`;
      place(m.path, join(dir, maskName));
      mask = { file: maskName, hash: image.mask.hash };
    }
    const references: NonNullable<ManifestDatasetFile['images'][number]['references']> = [];
    for (const r of image.references ?? []) {
      const got = await cachedFile(store, cacheDir, r.file, pending);
      const refName = `${r.file.sha256}-ref${r.ext}`;
      place(got.path, join(dir, refName));
      references.push({ file: refName, hash: r.hash, name: r.name });
    }
    return {
      name: image.name, file: name, contentHash: image.contentHash, caption: image.caption, crop: image.crop, repeats: image.repeats, mask,
      ...(references.length ? { references } : {}),
    };
  });
  // Written last: a folder with its list is complete.
  const temp = `${listed}.part-${randomUUID()}`;
  writeFileSync(temp, JSON.stringify(file, null, 2));
  renameSync(temp, listed);
  return { dir, downloaded, reused };
}
