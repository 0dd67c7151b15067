import type { CropBox, ImageMetrics } from '@lora-studio/api';
import type { ProjectStore } from '@lora-studio/store';
import type { AnalyzerSwitches } from './analysis-messages';
import type { ExifFacts } from './exif';
import type { TextFinding } from './text-reader';

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
  /** The stored mask (relative to the project folder) for masked training; null = none. */
  mask: string | null;
  /** Edit LoRAs: how many reference images the image has. */
  references: number;
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
  /** The stored mask (relative to the project folder) for masked training; null = none. */
  maskFile?: string | null;
}

const SELECT = `SELECT i.id, i.hash, i.file, i.source_name AS sourceName, i.width, i.height, i.format, i.exif, i.metrics,
  i.analysis, i.analysis_error AS analysisError, i.excluded, i.crop, i.repeats, i.file_size AS fileSize,
  i.imported_at AS importedAt, c.text AS caption, i.mask_file AS mask,
  (SELECT COUNT(*) FROM image_references r WHERE r.image_id = i.id) AS "references"
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

  /** The image's measured metrics alone (what a captioner may use), without reading its whole row. */
  metrics(id: number): ImageMetrics | null {
    const json = this.store.db.prepare('SELECT metrics FROM images WHERE id = ?').pluck().get(id) as string | null | undefined;
    return JSON.parse(json ?? 'null') as ImageMetrics | null;
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
             file_size, imported_at, mask_file) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(img.hash, img.file, img.sourceName, img.metrics.width, img.metrics.height, img.format,
          JSON.stringify(img.exif), JSON.stringify(img.metrics), JSON.stringify(img.flags), img.analysis, img.repeats,
          img.fileSize, now, img.maskFile ?? null);
      const id = Number(lastInsertRowid);
      if (img.caption !== null) {
        db.prepare("INSERT INTO captions (image_id, text, source, reviewed, updated_at) VALUES (?, ?, 'import', 0, ?)")
          .run(id, img.caption, now);
      }
      return id;
    })();
  }

  /**
   * Images the background analyzers still owe a result, oldest first: every 'pending' row (a crash mid-analysis
   * leaves its row 'pending', so it is simply analysed again), and 'done' rows lacking the value of an analyzer that
   * was off when they were analysed. `busy` ids (being analysed now) are skipped.
   */
  awaitingAnalysis(analyzers: AnalyzerSwitches, busy: readonly number[], limit: number): { id: number; hash: string; file: string }[] {
    return this.store.db
      .prepare(
        `SELECT id, hash, file FROM images
         WHERE (analysis = 'pending'
           OR (analysis = 'done' AND ((@text AND json_extract(metrics, '$.text') IS NULL)
                                   OR (@faces AND json_extract(metrics, '$.faces') IS NULL))))
           AND id NOT IN (SELECT value FROM json_each(@busy))
         ORDER BY id LIMIT @limit`,
      )
      .all({ text: analyzers.text ? 1 : 0, faces: analyzers.faces ? 1 : 0, busy: JSON.stringify(busy), limit }) as { id: number; hash: string; file: string }[];
  }

  /**
   * Records the analyzers' result in one statement: merged into metrics (a value stays as it was when its analyzer
   * was off), analysis 'done'. Returns false when the row no longer exists.
   */
  saveAnalysis(id: number, result: { text: TextFinding | null; faces: number | null }, flags: (metrics: ImageMetrics, crop: CropBox | null) => string[]): boolean {
    const row = this.store.db.prepare('SELECT metrics, crop FROM images WHERE id = ?').get(id) as { metrics: string; crop: string | null } | undefined;
    if (!row) return false;
    const before = JSON.parse(row.metrics) as ImageMetrics;
    const metrics: ImageMetrics = { ...before, text: result.text ?? before.text, faces: result.faces ?? before.faces };
    const crop = row.crop ? (JSON.parse(row.crop) as CropBox) : null;
    this.store.db
      .prepare("UPDATE images SET metrics = ?, flags = ?, analysis = 'done', analysis_error = NULL WHERE id = ?")
      .run(JSON.stringify(metrics), JSON.stringify(flags(metrics, crop)), id);
    return true;
  }

  /** Marks the analysis of one image failed, with the reason the user sees. Returns false when the row is gone. */
  failAnalysis(id: number, reason: string): boolean {
    return this.store.db.prepare("UPDATE images SET analysis = 'failed', analysis_error = ? WHERE id = ?").run(reason, id).changes > 0;
  }

  setExcluded(ids: readonly number[], excluded: boolean): void {
    const stmt = this.store.db.prepare('UPDATE images SET excluded = ? WHERE id = ?');
    this.store.db.transaction(() => {
      for (const id of ids) stmt.run(excluded ? 1 : 0, id);
    })();
  }

  /** Names the image's mask file (relative to the project folder), or none. */
  setMaskFile(id: number, file: string | null): void {
    this.store.db.prepare('UPDATE images SET mask_file = ? WHERE id = ?').run(file, id);
  }

  setCrop(ids: readonly number[], crop: CropBox | null): void {
    const stmt = this.store.db.prepare('UPDATE images SET crop = ? WHERE id = ?');
    this.store.db.transaction(() => {
      for (const id of ids) stmt.run(crop ? JSON.stringify(crop) : null, id);
    })();
  }
}
