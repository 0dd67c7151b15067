import type { GeneratedImage } from '@lora-studio/api';
import type { ProjectStore } from '@lora-studio/store';

/** The settings a generated image was made with, beyond the columns of its row (stored as JSON in `params`). */
export type GenerationSettings = Omit<GeneratedImage, 'id' | 'file' | 'prompt' | 'seed' | 'scale' | 'createdAt'>;

interface GeneratedRow {
  id: number;
  file: string;
  prompt: string;
  seed: number;
  scale: number;
  params: string | null;
  created_at: string;
}

/** Data access for the Generate view's images: `samples` rows of kind 'generate' (training samples are RunRows'). */
export class GeneratedRows {
  constructor(private readonly store: ProjectStore) {}

  private get db() {
    return this.store.db;
  }

  /** Records one generated image; `lora` names the run checkpoint it was made with, if any. Returns its id. */
  add(image: { lora: { runId: number; step: number } | null; prompt: string; seed: number; scale: number; file: string; createdAt: string; settings: GenerationSettings }): number {
    const info = this.db
      .prepare(`INSERT INTO samples (run_id, checkpoint_step, prompt, seed, scale, file, kind, created_at, params) VALUES (?, ?, ?, ?, ?, ?, 'generate', ?, ?)`)
      .run(image.lora?.runId ?? null, image.lora?.step ?? null, image.prompt, image.seed, image.scale, image.file, image.createdAt, JSON.stringify(image.settings));
    return Number(info.lastInsertRowid);
  }

  /** The newest `limit` generated images, newest first. */
  recent(limit: number): GeneratedImage[] {
    const rows = this.db.prepare(`SELECT id, file, prompt, seed, scale, params, created_at FROM samples WHERE kind = 'generate' ORDER BY id DESC LIMIT ?`).all(limit) as GeneratedRow[];
    return rows.map((r) => ({
      id: r.id, file: r.file, prompt: r.prompt, seed: r.seed, scale: r.scale, createdAt: r.created_at,
      ...(JSON.parse(r.params ?? '{}') as GenerationSettings),
    }));
  }
}
