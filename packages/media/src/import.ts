import type { ImportFileResult, ImportSummary } from '@lora-studio/api';
import { DiskProblemError, diskProblemOf, type ProjectStore } from '@lora-studio/store';
import { randomUUID } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { faceChecksApply, imageFlags } from './flags';
import { ImageRows } from './image-rows';
import { ImageRejected, prepareImage } from './prepare';
import { projectMaskPng } from './project-masks';
import { keepImportedReferences } from './project-references';
import { sha256 } from './sha256';
import { findSources, type ImageSource, type MaskSource } from './sources';
import { IMPORT_LIMITS } from './thresholds';

export interface ImportProgress {
  done: number;
  total: number;
  imported: number;
  duplicates: number;
  rejected: number;
  current: string | null;
}

export interface ImportOptions {
  importId?: string;
  /** Files decoded at once; each holds one full-size decoded image in memory. */
  concurrency?: number;
}

/** Where an image's files live, relative to the project folder. Content-addressed: the name is the hash. */
export function imagePaths(hash: string, extension: string) {
  return { original: `images/${hash}.${extension}`, thumbSmall: `cache/thumbs/${hash}-256.jpg`, thumbLarge: `cache/thumbs/${hash}-1024.jpg` };
}

/** Where an image's mask lives: named by the image's hash, so the orphan sweep removes it with its image. */
export function maskPath(hash: string): string {
  return `images/${hash}-mask.png`;
}

/**
 * The mask as the project keeps it: grey, upright, stretched to the image's upright size, PNG. Returns the reason
 * the mask cannot be kept (the image is imported without it) when it cannot be read or is not an image.
 */
async function storedMask(mask: MaskSource, width: number, height: number): Promise<Buffer | string> {
  let bytes: Buffer;
  try {
    bytes = await mask.read();
  } catch (err) {
    return `Its mask ${mask.name} was not kept (${err instanceof Error ? err.message : String(err)}); the image was imported without a mask.`;
  }
  try {
    return await projectMaskPng(bytes, width, height);
  } catch {
    return `Its mask ${mask.name} is not a readable image, so it was not kept (the image was imported without a mask). Replace it with a greyscale PNG (white = learn, black = ignore) and import again.`;
  }
}

/** Imports currently running per project: the orphan sweep must never touch another import's files in flight. */
const running = new WeakMap<ProjectStore, number>();

/**
 * Writes via a temporary name and a rename, so a file under its final name is always complete. Synchronous on
 * purpose: a write into the page cache takes well under a millisecond, while an async one waits in the thread pool
 * behind sharp's decodes (4.2 ms per image measured), holding a pool thread that a decode could use.
 */
function writeAtomic(path: string, data: Buffer): void {
  const tmp = `${path}.tmp-${randomUUID()}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Removes what a crash between "files written" and "row inserted" left behind: temporary files, and originals or
 * thumbnails whose hash has no row. Runs only when no other import of this project is in flight.
 */
export async function sweepOrphans(store: ProjectStore): Promise<number> {
  const known = new ImageRows(store).hashes();
  let removed = 0;
  for (const folder of ['images', join('cache', 'thumbs')]) {
    let names: string[];
    try {
      names = await readdir(join(store.dir, folder));
    } catch {
      continue;
    }
    for (const name of names) {
      const hash = /^([0-9a-f]{64})[.-]/.exec(name)?.[1];
      if (name.includes('.tmp-') || (hash && !known.has(hash))) {
        await rm(join(store.dir, folder, name), { force: true });
        removed++;
      }
    }
  }
  return removed;
}

/**
 * Sweeps leftovers of a crashed import and makes the image folders. Returns the disk problem that stops the import
 * before it starts (a read-only or full disk), or undefined when the folders are ready.
 */
async function prepareFolders(store: ProjectStore): Promise<DiskProblemError | undefined> {
  try {
    await sweepOrphans(store);
    await mkdir(join(store.dir, 'images'), { recursive: true });
    await mkdir(join(store.dir, 'cache', 'thumbs'), { recursive: true });
    return undefined;
  } catch (err) {
    const disk = diskProblemOf(err, store.dir);
    if (disk) return disk;
    throw err;
  }
}

/**
 * Imports images into a project: files, folders (recursed; kohya "10_name" folders give repeats and .txt captions),
 * .zip archives, or uploaded temp files given as {path, name}. Each file is refused or imported whole: its original,
 * two thumbnails and its row appear together or not at all, and one bad file never stops the rest.
 * Cancelling (signal) stops taking new files; those in flight finish.
 */
export async function importFiles(
  store: ProjectStore,
  inputs: ReadonlyArray<string | { path: string; name: string }>,
  opts: ImportOptions = {},
  onProgress: (p: ImportProgress) => void = () => {},
  signal?: AbortSignal,
): Promise<ImportSummary> {
  const importId = opts.importId ?? randomUUID();
  const first = running.get(store) ? undefined : await prepareFolders(store);
  if (first) {
    return { importId, imported: 0, duplicates: 0, rejected: 1, cancelled: false, files: [{ source: '(import)', status: 'rejected', reason: `${first.message} Nothing was imported.` }] };
  }
  running.set(store, (running.get(store) ?? 0) + 1);
  try {
    const rows = new ImageRows(store);
    const settings = store.settings();
    const flagContext = { loraType: settings.type, faceChecks: faceChecksApply(settings), crop: null, hasNearDuplicate: false };
    const { sources, refused } = await findSources(inputs);
    const files: ImportFileResult[] = refused.map((r) => ({ source: r.label, status: 'rejected', reason: r.reason }));
    const progress: ImportProgress = { done: files.length, total: files.length + sources.length, imported: 0, duplicates: 0, rejected: files.length, current: null };
    const inFlight = new Map<string, Promise<number | undefined>>();
    /** The first full, read-only or failing disk met while writing: every later file would fail the same way. */
    let diskStop: DiskProblemError | undefined;
    let notWritten = 0;

    const importOne = async (src: ImageSource): Promise<ImportFileResult | 'disk'> => {
      let bytes: Buffer;
      try {
        // Capped at the file size limit before a byte is read; the message is the reason to show.
        bytes = await src.read();
      } catch (err) {
        return { source: src.label, status: 'rejected', reason: err instanceof Error ? err.message : String(err) };
      }
      // On the main thread: 0.7 ms per MB with SHA instructions, less than the wait for a pool thread behind decodes.
      const hash = sha256(bytes);
      const existing = rows.idByHash(hash) ?? (inFlight.has(hash) ? await inFlight.get(hash) : undefined);
      if (existing !== undefined) {
        return { source: src.label, status: 'duplicate', reason: 'This exact image is already in the project; it was not added twice.', duplicateOf: existing };
      }
      let settle!: (id: number | undefined) => void;
      inFlight.set(hash, new Promise((r) => (settle = r)));
      const written: string[] = [];
      let id: number | undefined;
      try {
        const prepared = await prepareImage(bytes);
        const paths = imagePaths(hash, prepared.extension);
        for (const [rel, data] of [[paths.thumbSmall, prepared.thumbSmall], [paths.thumbLarge, prepared.thumbLarge], [paths.original, bytes]] as const) {
          writeAtomic(join(store.dir, rel), data);
          written.push(join(store.dir, rel));
        }
        const mask = src.mask ? await storedMask(src.mask, prepared.metrics.width, prepared.metrics.height) : undefined;
        const maskFile = mask instanceof Buffer ? maskPath(hash) : null;
        if (mask instanceof Buffer) {
          writeAtomic(join(store.dir, maskFile!), mask);
          written.push(join(store.dir, maskFile!));
        }
        const notes = [src.note, typeof mask === 'string' ? mask : undefined].filter((n) => n !== undefined);
        const flags = imageFlags(prepared.metrics, flagContext).map((f) => f.id);
        id = rows.insert({
          hash,
          file: paths.original,
          sourceName: src.name,
          format: prepared.format,
          exif: prepared.exif,
          metrics: prepared.metrics,
          flags,
          analysis: 'pending',
          repeats: src.repeats,
          fileSize: bytes.length,
          caption: src.caption,
          maskFile,
        });
        if (src.references) notes.push(...(await keepImportedReferences(store, id, src.references)));
        return { source: src.label, status: 'imported', imageId: id, ...(notes.length > 0 ? { note: notes.join(' ') } : {}) };
      } catch (err) {
        for (const f of written) await rm(f, { force: true }).catch(() => {});
        if (err instanceof ImageRejected) return { source: src.label, status: 'rejected', reason: err.message };
        const disk = diskProblemOf(err, store.dir);
        if (disk) {
          // Named by the project folder, the place the user knows, rather than the temporary file that failed.
          diskStop ??= new DiskProblemError(disk.kind, store.dir, disk.freeBytes, disk.systemCode);
          return 'disk';
        }
        return { source: src.label, status: 'rejected', reason: `Import failed: ${err instanceof Error ? err.message : String(err)}. Nothing was added for this file.` };
      } finally {
        settle(id);
        inFlight.delete(hash);
      }
    };

    let next = 0;
    const worker = async () => {
      while (next < sources.length && !signal?.aborted && !diskStop) {
        const src = sources[next++]!;
        progress.current = src.label;
        const result = await importOne(src);
        progress.done++;
        if (result === 'disk') {
          notWritten++;
          progress.rejected++;
          continue;
        }
        files.push(result);
        if (result.status === 'imported') progress.imported++;
        else if (result.status === 'duplicate') progress.duplicates++;
        else progress.rejected++;
        onProgress({ ...progress });
      }
    };
    // One more file in flight than cores: while one file's metrics run in JavaScript, libvips decodes the others.
    const concurrency = Math.max(1, opts.concurrency ?? Math.min(5, availableParallelism() + 1));
    await Promise.all(Array.from({ length: concurrency }, worker));
    if (diskStop) {
      // One line for the whole stop, not one per remaining file: they all failed (or would fail) for this one reason.
      const skipped = notWritten + (sources.length - next);
      progress.rejected += sources.length - next;
      files.push({
        source: '(import)',
        status: 'rejected',
        reason: `${diskStop.message} The import stopped there: ${skipped} file${skipped === 1 ? ' was' : 's were'} not imported; the ${progress.imported} imported before are kept. Import again once there is room (images already imported are recognised and skipped).`,
      });
    }
    return {
      importId,
      imported: progress.imported,
      duplicates: progress.duplicates,
      rejected: progress.rejected,
      cancelled: signal?.aborted === true && next < sources.length && !diskStop,
      files,
    };
  } finally {
    running.set(store, (running.get(store) ?? 1) - 1);
  }
}
