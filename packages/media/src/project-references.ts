import { InvalidInputError, MAX_REFERENCE_IMAGES, type ImageReference } from '@lora-studio/api';
import { confinedPath, replaceFile, type ProjectStore } from '@lora-studio/store';
import { readFileSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { UnknownImages } from './catalog';
import { ImageRows } from './image-rows';
import { sha256 } from './sha256';
import { IMPORT_LIMITS } from './thresholds';

/**
 * Reference images of edit LoRAs as the project keeps them: upright PNGs in the project's images folder, named by
 * the owning image's hash (so the orphan sweep removes them with their image) and by the start of their own hash (a
 * page that cached the old file under its name never shows it for the new one). The rows (image_references) name
 * them per slot 0–2.
 */

export class ReferenceUnreadable extends InvalidInputError {
  override name = 'ReferenceUnreadable';
}

/** The reference as stored: EXIF orientation applied, PNG; throws ReferenceUnreadable. */
export async function projectReferencePng(bytes: Buffer): Promise<Buffer> {
  try {
    // The same pixel cap as images: a reference cannot be a decompression bomb either.
    return await sharp(bytes, { limitInputPixels: IMPORT_LIMITS.maxPixels }).rotate().png().toBuffer();
  } catch {
    throw new ReferenceUnreadable('The reference is not a readable image. Use a PNG, JPEG or WebP picture.');
  }
}

/** Where a reference is kept, relative to the project folder (`pngHash`: the stored PNG's sha256). */
export function referencePath(imageHash: string, slot: number, pngHash: string): string {
  return `images/${imageHash}-ref${slot}-${pngHash.slice(0, 16)}.png`;
}

export class InvalidReference extends InvalidInputError {
  override name = 'InvalidReference';
}

interface ReferenceRecord {
  slot: number;
  file: string;
  hash: string;
  sourceName: string;
}

export class ProjectReferences {
  private readonly rows: ImageRows;
  constructor(private readonly store: ProjectStore) {
    this.rows = new ImageRows(store);
  }

  /** Image `id`'s references in slot order. */
  list(id: number): ImageReference[] {
    return this.records(id).map(({ slot, file, sourceName }) => ({ slot, file, sourceName }));
  }

  /**
   * Puts `bytes` (any readable picture) into image `id`'s reference `slot`, replacing what was there. The new file is
   * complete before the row names it, and the old one goes only after, so a crash leaves either reference whole.
   */
  async set(id: number, slot: number, bytes: Buffer, sourceName: string): Promise<ImageReference[]> {
    checkSlot(slot);
    const row = this.rows.get(id);
    if (!row) throw new UnknownImages([id]);
    const png = await projectReferencePng(bytes);
    const hash = sha256(png);
    const file = referencePath(row.hash, slot, hash);
    const previous = this.records(id).find((r) => r.slot === slot)?.file;
    if (file !== previous) replaceFile(confinedPath(this.store.dir, file), png);
    this.store.db
      .prepare(
        `INSERT INTO image_references (image_id, slot, file, hash, source_name) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (image_id, slot) DO UPDATE SET file = excluded.file, hash = excluded.hash, source_name = excluded.source_name`,
      )
      .run(id, slot, file, hash, sourceName);
    if (previous !== undefined && previous !== file) rmSync(confinedPath(this.store.dir, previous), { force: true });
    return this.list(id);
  }

  /** A copy of project image `fromId` (as imported, upright) as image `id`'s reference `slot`. */
  async setFromImage(id: number, slot: number, fromId: number): Promise<ImageReference[]> {
    checkSlot(slot);
    if (id === fromId) throw new InvalidReference('An image cannot be its own reference: drop another image of the project onto it.');
    const from = this.rows.get(fromId);
    if (!from) throw new UnknownImages([fromId]);
    let bytes: Buffer;
    try {
      bytes = readFileSync(confinedPath(this.store.dir, from.file));
    } catch (err) {
      if (err instanceof InvalidInputError) throw err;
      throw new InvalidReference(`${from.sourceName} could not be read (${(err as Error).message}); import it again and drop it once more.`);
    }
    return this.set(id, slot, bytes, from.sourceName);
  }

  /** Empties image `id`'s reference `slot` (nothing happens when it is empty already). */
  clear(id: number, slot: number): ImageReference[] {
    checkSlot(slot);
    if (!this.rows.get(id)) throw new UnknownImages([id]);
    const previous = this.records(id).find((r) => r.slot === slot);
    if (previous) {
      this.store.db.prepare('DELETE FROM image_references WHERE image_id = ? AND slot = ?').run(id, slot);
      rmSync(confinedPath(this.store.dir, previous.file), { force: true });
    }
    return this.list(id);
  }

  private records(id: number): ReferenceRecord[] {
    return this.store.db
      .prepare('SELECT slot, file, hash, source_name AS sourceName FROM image_references WHERE image_id = ? ORDER BY slot')
      .all(id) as ReferenceRecord[];
  }
}

function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= MAX_REFERENCE_IMAGES) {
    throw new InvalidReference(`Reference slots are 1 to ${MAX_REFERENCE_IMAGES}; there is no slot ${slot + 1}.`);
  }
}

/** What import hands over: a reference file found by the folder convention (see sources.ts). */
export interface ImportedReference {
  slot: number;
  name: string;
  read(): Promise<Buffer>;
}

/**
 * Keeps the references found beside a newly imported image. One that cannot be read or is not a picture is left out
 * with a note (returned) and the image keeps the others: a broken "before" picture should not lose the "after" one.
 */
export async function keepImportedReferences(store: ProjectStore, id: number, refs: readonly ImportedReference[]): Promise<string[]> {
  const notes: string[] = [];
  const project = new ProjectReferences(store);
  for (const ref of refs) {
    try {
      await project.set(id, ref.slot, await ref.read(), ref.name);
    } catch (err) {
      notes.push(`Its reference ${ref.name} was not kept (${err instanceof Error ? err.message : String(err)}); add it again in the Dataset view.`);
    }
  }
  return notes;
}
