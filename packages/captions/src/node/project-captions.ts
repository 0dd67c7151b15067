import type { ProjectStore } from '@lora-studio/store';
import type { CaptionText } from '../common';

export type CaptionSource = 'user' | 'import' | 'template' | 'onnx' | 'vlm';
export type BatchKind = 'edit' | 'review' | 'batch' | 'auto' | 'import';

/** One image of the project with its caption (null fields: not captioned yet). */
export interface CaptionEntry {
  imageId: number;
  file: string;
  sourceName: string;
  hash: string;
  width: number;
  height: number;
  excluded: boolean;
  text: string | null;
  source: CaptionSource | null;
  reviewed: boolean;
  updatedAt: string | null;
}

/** A caption write: fields left out keep their current value. */
export interface CaptionWrite {
  imageId: number;
  text?: string;
  reviewed?: boolean;
  source?: CaptionSource;
}

export interface HistoryState {
  /** Label of the step Undo would revert, e.g. "Find and replace "red" → "blue"". */
  undo: string | null;
  redo: string | null;
}

/** The captions of the images a run would train on, counted (excluded images do not count). */
export interface CaptionCoverage {
  included: number;
  reviewed: number;
  /** Captions that do not contain the trigger word, in any letter case. */
  withoutTrigger: number;
}

export interface HistoryStep {
  label: string;
  imageIds: number[];
}

const SELECT = `SELECT i.id AS imageId, i.file, i.source_name AS sourceName, i.hash, i.width, i.height, i.excluded,
  c.text, c.source, c.reviewed, c.updated_at AS updatedAt FROM images i LEFT JOIN captions c ON c.image_id = i.id`;

type RawEntry = Omit<CaptionEntry, 'excluded' | 'reviewed'> & { excluded: number; reviewed: number | null };

function toEntry(r: RawEntry): CaptionEntry {
  return { ...r, excluded: r.excluded === 1, reviewed: r.reviewed === 1 };
}

/** How many undo steps a project keeps; older ones are forgotten. */
const HISTORY_LIMIT = 200;

interface StoredCaption {
  text: string;
  source: CaptionSource;
  reviewed: number;
}

/**
 * The captions of one project and their undo history. Every write is one transaction that changes the captions
 * and records the step, so the history always matches what is stored.
 */
export class ProjectCaptions {
  constructor(private readonly store: ProjectStore) {}

  private get db() {
    return this.store.db;
  }

  list(): CaptionEntry[] {
    return (this.db.prepare(`${SELECT} ORDER BY i.id`).all() as RawEntry[]).map(toEntry);
  }

  get(imageId: number): CaptionEntry | undefined {
    const row = this.db.prepare(`${SELECT} WHERE i.id = ?`).get(imageId) as RawEntry | undefined;
    return row && toEntry(row);
  }

  hasImage(imageId: number): boolean {
    return this.db.prepare('SELECT 1 FROM images WHERE id = ?').get(imageId) !== undefined;
  }

  /** How many captions of the included images are reviewed, and how many lack `trigger` (checked before training). */
  coverage(trigger: string): CaptionCoverage {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS included,
                SUM(CASE WHEN c.reviewed = 1 THEN 1 ELSE 0 END) AS reviewed,
                SUM(CASE WHEN c.text IS NOT NULL AND instr(lower(c.text), lower(?)) = 0 THEN 1 ELSE 0 END) AS withoutTrigger
         FROM images i LEFT JOIN captions c ON c.image_id = i.id WHERE i.excluded = 0`,
      )
      .get(trigger) as { included: number; reviewed: number | null; withoutTrigger: number | null };
    // SUM over no rows is NULL: a project without included images has none of each.
    return { included: row.included, reviewed: row.reviewed ?? 0, withoutTrigger: row.withoutTrigger ?? 0 };
  }

  /** Caption texts for the lint and batch tools; images without a caption count as empty. */
  texts(opts: { includeExcluded?: boolean; imageIds?: number[] } = {}): CaptionText[] {
    const only = opts.imageIds ? new Set(opts.imageIds) : null;
    return this.list()
      .filter((e) => (opts.includeExcluded || !e.excluded) && (!only || only.has(e.imageId)))
      .map((e) => ({ imageId: e.imageId, text: e.text ?? '' }));
  }

  /**
   * Writes captions as one undo step. With `editSession`, consecutive writes of the same session to the same image
   * (autosave while typing) extend the last step instead of adding one per keystroke.
   */
  write(label: string, kind: BatchKind, writes: CaptionWrite[], editSession?: string): number | null {
    return this.db.transaction(() => {
      const last = this.db
        .prepare("SELECT id, kind, edit_session AS session FROM caption_batches WHERE state = 'done' ORDER BY id DESC LIMIT 1")
        .get() as { id: number; kind: string; session: string | null } | undefined;
      const redoable = this.db.prepare("SELECT 1 FROM caption_batches WHERE state = 'undone' LIMIT 1").get();
      const single = writes.length === 1 ? writes[0]!.imageId : null;
      if (editSession && last && !redoable && last.kind === kind && last.session === editSession && single !== null) {
        const ids = this.db.prepare('SELECT image_id AS id FROM caption_changes WHERE batch_id = ?').all(last.id) as { id: number }[];
        if (ids.length === 1 && ids[0]!.id === single) {
          this.writeInto(last.id, writes);
          return last.id;
        }
      }
      const id = this.startStep(label, kind, editSession);
      if (this.writeInto(id, writes) === 0) {
        this.db.prepare('DELETE FROM caption_batches WHERE id = ?').run(id);
        return null;
      }
      return id;
    })();
  }

  /** Opens an undo step that is filled over time (an auto-caption job), image by image. */
  startStep(label: string, kind: BatchKind, editSession?: string): number {
    return this.db.transaction(() => {
      // A new step makes the undone ones unreachable, as in every editor.
      this.db.prepare("DELETE FROM caption_batches WHERE state = 'undone'").run();
      const id = Number(
        this.db
          .prepare('INSERT INTO caption_batches (label, kind, edit_session, created_at) VALUES (?, ?, ?, ?)')
          .run(label, kind, editSession ?? null, new Date().toISOString()).lastInsertRowid,
      );
      this.db.prepare('DELETE FROM caption_batches WHERE id <= ?').run(id - HISTORY_LIMIT);
      return id;
    })();
  }

  /** Adds writes to an open step; returns how many captions actually changed. */
  writeInto(stepId: number, writes: CaptionWrite[]): number {
    return this.db.transaction(() => {
      let changed = 0;
      for (const w of writes) {
        const current = this.stored(w.imageId);
        const next: StoredCaption = {
          text: w.text ?? current?.text ?? '',
          source: w.source ?? current?.source ?? 'user',
          reviewed: w.reviewed === undefined ? (current?.reviewed ?? 0) : Number(w.reviewed),
        };
        if (current && current.text === next.text && current.reviewed === next.reviewed && current.source === next.source) continue;
        this.put(w.imageId, next);
        // The first write of a step keeps the image's "before"; later ones only move its "after".
        this.db
          .prepare(
            `INSERT INTO caption_changes (batch_id, image_id, before_text, before_source, before_reviewed, after_text, after_source, after_reviewed)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (batch_id, image_id) DO UPDATE SET after_text = excluded.after_text,
               after_source = excluded.after_source, after_reviewed = excluded.after_reviewed`,
          )
          .run(stepId, w.imageId, current?.text ?? null, current?.source ?? null, current?.reviewed ?? null, next.text, next.source, next.reviewed);
        changed++;
      }
      return changed;
    })();
  }

  /** Drops a step that recorded nothing (a job cancelled before its first caption). */
  discardIfEmpty(stepId: number): void {
    this.db
      .prepare('DELETE FROM caption_batches WHERE id = ? AND NOT EXISTS (SELECT 1 FROM caption_changes WHERE batch_id = ?)')
      .run(stepId, stepId);
  }

  undo(): HistoryStep | null {
    return this.db.transaction(() => {
      const step = this.db
        .prepare("SELECT id, label FROM caption_batches WHERE state = 'done' ORDER BY id DESC LIMIT 1")
        .get() as { id: number; label: string } | undefined;
      if (!step) return null;
      const changes = this.changes(step.id);
      for (const c of changes) {
        if (c.before_text === null) this.db.prepare('DELETE FROM captions WHERE image_id = ?').run(c.image_id);
        else this.put(c.image_id, { text: c.before_text, source: c.before_source as CaptionSource, reviewed: c.before_reviewed ?? 0 });
      }
      this.db.prepare("UPDATE caption_batches SET state = 'undone' WHERE id = ?").run(step.id);
      return { label: step.label, imageIds: changes.map((c) => c.image_id) };
    })();
  }

  redo(): HistoryStep | null {
    return this.db.transaction(() => {
      const step = this.db
        .prepare("SELECT id, label FROM caption_batches WHERE state = 'undone' ORDER BY id ASC LIMIT 1")
        .get() as { id: number; label: string } | undefined;
      if (!step) return null;
      const changes = this.changes(step.id);
      for (const c of changes) {
        this.put(c.image_id, { text: c.after_text, source: c.after_source as CaptionSource, reviewed: c.after_reviewed });
      }
      this.db.prepare("UPDATE caption_batches SET state = 'done' WHERE id = ?").run(step.id);
      return { label: step.label, imageIds: changes.map((c) => c.image_id) };
    })();
  }

  history(): HistoryState {
    const undo = this.db
      .prepare("SELECT label FROM caption_batches WHERE state = 'done' ORDER BY id DESC LIMIT 1")
      .get() as { label: string } | undefined;
    const redo = this.db
      .prepare("SELECT label FROM caption_batches WHERE state = 'undone' ORDER BY id ASC LIMIT 1")
      .get() as { label: string } | undefined;
    return { undo: undo?.label ?? null, redo: redo?.label ?? null };
  }

  /** Project-level caption settings as stored (JSON object), or an empty object. */
  settings(): Record<string, unknown> {
    const row = this.db.prepare('SELECT value FROM caption_settings WHERE id = 1').get() as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as Record<string, unknown>) : {};
  }

  saveSettings(value: Record<string, unknown>): void {
    this.db
      .prepare('INSERT INTO caption_settings (id, value) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET value = excluded.value')
      .run(JSON.stringify(value));
  }

  private changes(stepId: number) {
    return this.db.prepare('SELECT * FROM caption_changes WHERE batch_id = ? ORDER BY image_id').all(stepId) as {
      image_id: number;
      before_text: string | null;
      before_source: string | null;
      before_reviewed: number | null;
      after_text: string;
      after_source: string;
      after_reviewed: number;
    }[];
  }

  private stored(imageId: number): StoredCaption | undefined {
    return this.db.prepare('SELECT text, source, reviewed FROM captions WHERE image_id = ?').get(imageId) as StoredCaption | undefined;
  }

  private put(imageId: number, c: StoredCaption): void {
    this.db
      .prepare(
        `INSERT INTO captions (image_id, text, source, reviewed, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(image_id) DO UPDATE SET text = excluded.text, source = excluded.source, reviewed = excluded.reviewed,
           updated_at = excluded.updated_at`,
      )
      .run(imageId, c.text, c.source, c.reviewed, new Date().toISOString());
  }
}
