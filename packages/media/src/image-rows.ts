import type { CropBox, ImageMetrics } from '@lora-studio/api';
import type { ProjectStore } from '@lora-studio/store';
import type { ExifFacts } from './exif';

/** One images row with its caption, JSON columns parsed. */
export interface ImageRow {
  id: number;
  hash: string;
  file: string;
  sourceName: string;
  width: number;
  height: number;
  format: string;
  exif: ExifFacts | null;
  metrics: ImageMetrics;
  analysis: 'pending' | 'done' | 'failed';
  analysisError: string | null;
  excluded: boolean;
  crop: CropBox | null;
  repeats: number;
  fileSize: number;
  importedAt: string;
  caption: string | null;
}

export interface NewImage {
  hash: string;
  file: string;
  sourceName: string;
  format: string;
  exif: ExifFacts;
  metrics: ImageMetrics;
  flags: string[];
  analysis: 'pending' | 'done';
  repeats: number;
  fileSize: number;
  /** A kohya sidecar caption, stored with source 'import'. */
  caption: string | null;
}

const SELECT = `SELECT i.id, i.hash, i.file, i.source_name AS sourceName, i.width, i.height, i.format, i.exif, i.metrics,
  i.analysis, i.analysis_error AS analysisError, i.excluded, i.crop, i.repeats, i.file_size AS fileSize,
  i.imported_at AS importedAt, c.text AS caption
  FROM images i LEFT JOIN captions c ON c.image_id = i.id`;

interface RawRow extends Omit<ImageRow, 'exif' | 'metrics' | 'excluded' | 'crop'> {
  exif: string | null;
  metrics: string | null;
  excluded: number;
  crop: string | null;
}

function parse(r: RawRow): ImageRow {
  return {
    ...r,
    exif: r.exif ? (JSON.parse(r.exif) as ExifFacts) : null,
    metrics: JSON.parse(r.metrics ?? 'null') as ImageMetrics,
    excluded: r.excluded === 1,
    crop: r.crop ? (JSON.parse(r.crop) as CropBox) : null,
  };
}

/** Data access for the images of one project. Every write is one transaction. */
export class ImageRows {
  constructor(private readonly store: ProjectStore) {}

  all(): ImageRow[] {
    return (this.store.db.prepare(`${SELECT} ORDER BY i.id`).all() as RawRow[]).map(parse);
  }

  get(id: number): ImageRow | undefined {
    const r = this.store.db.prepare(`${SELECT} WHERE i.id = ?`).get(id) as RawRow | undefined;
    return r && parse(r);
  }

  idByHash(hash: string): number | undefined {
    return (this.store.db.prepare('SELECT id FROM images WHERE hash = ?').get(hash) as { id: number } | undefined)?.id;
  }

  hashes(): Set<string> {
    return new Set((this.store.db.prepare('SELECT hash FROM images').all() as { hash: string }[]).map((r) => r.hash));
  }

  insert(img: NewImage): number {
    const db = this.store.db;
    return db.transaction(() => {
      const now = new Date().toISOString();
      const { lastInsertRowid } = db
        .prepare(
          `INSERT INTO images (hash, file, source_name, width, height, format, exif, metrics, flags, analysis, repeats,
             file_size, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(img.hash, img.file, img.sourceName, img.metrics.width, img.metrics.height, img.format,
          JSON.stringify(img.exif), JSON.stringify(img.metrics), JSON.stringify(img.flags), img.analysis, img.repeats,
          img.fileSize, now);
      const id = Number(lastInsertRowid);
      if (img.caption !== null) {
        db.prepare("INSERT INTO captions (image_id, text, source, reviewed, updated_at) VALUES (?, ?, 'import', 0, ?)")
          .run(id, img.caption, now);
      }
      return id;
    })();
  }

  setExcluded(ids: readonly number[], excluded: boolean): void {
    const stmt = this.store.db.prepare('UPDATE images SET excluded = ? WHERE id = ?');
    this.store.db.transaction(() => {
      for (const id of ids) stmt.run(excluded ? 1 : 0, id);
    })();
  }

  setCrop(ids: readonly number[], crop: CropBox | null): void {
    const stmt = this.store.db.prepare('UPDATE images SET crop = ? WHERE id = ?');
    this.store.db.transaction(() => {
      for (const id of ids) stmt.run(crop ? JSON.stringify(crop) : null, id);
    })();
  }
}
