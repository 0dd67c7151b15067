import type { CheckpointScores, MetricPoint, RunAlert, RunCheckpoint, RunDetail, RunPlacement, RunSample, RunStatus, RunSummary, TrainingSettings } from '@lora-studio/api';
import type { ProjectStore } from '@lora-studio/store';

interface RunRow {
  id: number;
  name: string;
  config: string;
  base_model: string;
  status: RunStatus;
  error: string | null;
  dir: string;
  created_at: string;
  updated_at: string;
  step: number;
  total_steps: number;
  final_loss: number | null;
  queue_link: string | null;
}

/** A run trained on the run queue: which queue run the row follows and where it is. */
export interface QueueLink {
  queueName: string;
  /** Empty until the dataset is uploaded and the job queued. */
  runKey: string;
  /** The stream id of the last event applied to this row ('0' = none yet). */
  lastEvent: string;
  labels: string[];
  worker: string | null;
  position: number | null;
}

/** Data access for runs and what they produce. The host is the only writer; the worker only writes files. */
export class RunRows {
  constructor(private readonly store: ProjectStore) {}

  private get db() {
    return this.store.db;
  }

  create(r: { name: string; config: TrainingSettings; baseModel: string; totalSteps: number }): number {
    const now = new Date().toISOString();
    return this.db.transaction(() => {
      const info = this.db
        .prepare(`INSERT INTO runs (name, config, base_model, status, dir, created_at, updated_at, total_steps) VALUES (?, ?, ?, 'queued', '', ?, ?, ?)`)
        .run(r.name, JSON.stringify(r.config), r.baseModel, now, now, r.totalSteps);
      const id = Number(info.lastInsertRowid);
      this.db.prepare('UPDATE runs SET dir = ? WHERE id = ?').run(`runs/${id}`, id);
      return id;
    })();
  }

  row(id: number): RunRow | undefined {
    return this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  }

  queueLink(id: number): QueueLink | undefined {
    return parseQueueLink(this.row(id)?.queue_link);
  }

  setQueueLink(id: number, link: QueueLink): void {
    this.db.prepare('UPDATE runs SET queue_link = ? WHERE id = ?').run(JSON.stringify(link), id);
  }

  /** Whether this sample is already listed (a resumed run draws the samples after its checkpoint again). */
  hasSample(runId: number, s: Pick<RunSample, 'step' | 'prompt' | 'seed' | 'file'>): boolean {
    return this.db.prepare(`SELECT 1 FROM samples WHERE run_id = ? AND checkpoint_step = ? AND prompt = ? AND seed = ? AND file = ? AND kind = 'training'`).get(runId, s.step, s.prompt, s.seed, s.file) !== undefined;
  }

  setStatus(id: number, status: RunStatus, message: string | null = null): void {
    this.db.prepare('UPDATE runs SET status = ?, error = ?, updated_at = ? WHERE id = ?').run(status, message, new Date().toISOString(), id);
  }

  setProgress(id: number, p: { step?: number; totalSteps?: number; finalLoss?: number | null }): void {
    const row = this.row(id);
    if (!row) return;
    this.db
      .prepare('UPDATE runs SET step = ?, total_steps = ?, final_loss = ?, updated_at = ? WHERE id = ?')
      .run(p.step ?? row.step, p.totalSteps ?? row.total_steps, p.finalLoss === undefined ? row.final_loss : p.finalLoss, new Date().toISOString(), id);
  }

  /** The settings the trainer resolved when the run started (defaults and the model's preset filled in). */
  setConfig(id: number, config: TrainingSettings): void {
    this.db.prepare('UPDATE runs SET config = ? WHERE id = ?').run(JSON.stringify(config), id);
  }

  /** Stores each checkpoint's scores with it, all in one transaction. */
  setScores(runId: number, scores: readonly CheckpointScores[]): void {
    const update = this.db.prepare('UPDATE checkpoints SET scores = ? WHERE run_id = ? AND step = ?');
    this.db.transaction(() => {
      for (const c of scores) update.run(JSON.stringify(c), runId, c.step);
    })();
  }

  /** Runs a crashed or closed host left "running": nobody is training them any more. */
  unfinished(): number[] {
    return (this.db.prepare(`SELECT id FROM runs WHERE status IN ('queued', 'running', 'paused')`).all() as { id: number }[]).map((r) => r.id);
  }

  /**
   * One transaction per batch. A resumed run repeats the steps after its last checkpoint; replacing them keeps
   * the curve continuous (and, since resume is exact, identical).
   */
  addMetrics(runId: number, points: MetricPoint[]): void {
    if (points.length === 0) return;
    const insert = this.db.prepare(
      'INSERT OR REPLACE INTO metrics (run_id, step, loss, lr, grad_norm, step_ms, extra) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const p of points) {
        const extra = p.smoothedLoss === undefined ? null : JSON.stringify({ smoothedLoss: p.smoothedLoss, samplesPerSecond: p.samplesPerSecond, memoryMb: p.memoryMb });
        insert.run(runId, p.step, p.loss, p.lr, p.gradNorm, p.stepMs, extra);
      }
    })();
  }

  metrics(runId: number, afterStep = -1, limit = 200_000): MetricPoint[] {
    return (
      this.db
        .prepare('SELECT step, loss, lr, grad_norm AS gradNorm, step_ms AS stepMs FROM metrics WHERE run_id = ? AND step > ? ORDER BY step LIMIT ?')
        .all(runId, afterStep, limit) as MetricPoint[]
    );
  }

  addCheckpoint(runId: number, step: number, file: string): RunCheckpoint {
    const now = new Date().toISOString();
    this.db
      .prepare('INSERT INTO checkpoints (run_id, step, file, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(run_id, step) DO UPDATE SET file = excluded.file')
      .run(runId, step, file, now);
    return { step, file, favourite: false, createdAt: now };
  }

  setFavourite(runId: number, step: number): boolean {
    return this.db.transaction(() => {
      this.db.prepare('UPDATE checkpoints SET favourite = 0 WHERE run_id = ?').run(runId);
      return this.db.prepare('UPDATE checkpoints SET favourite = 1 WHERE run_id = ? AND step = ?').run(runId, step).changes === 1;
    })();
  }

  addSample(runId: number, s: RunSample): void {
    this.db
      .prepare(`INSERT INTO samples (run_id, checkpoint_step, prompt, seed, scale, file, kind, created_at, requested) VALUES (?, ?, ?, ?, 1, ?, 'training', ?, ?)`)
      .run(runId, s.step, s.prompt, s.seed, s.file, new Date().toISOString(), s.requested ? 1 : 0);
  }

  addAlert(runId: number, a: RunAlert): void {
    this.db.prepare('INSERT OR REPLACE INTO run_alerts (run_id, step, kind, message) VALUES (?, ?, ?, ?)').run(runId, a.step, a.kind, a.message);
  }

  summary(id: number): RunSummary | undefined {
    const r = this.row(id);
    if (!r) return undefined;
    const fav = this.db.prepare('SELECT step FROM checkpoints WHERE run_id = ? AND favourite = 1').get(id) as { step: number } | undefined;
    const link = parseQueueLink(r.queue_link);
    const where: RunPlacement = link ? { kind: 'queue', position: link.position, worker: link.worker, labels: link.labels } : { kind: 'this-machine' };
    return {
      id: r.id,
      name: r.name,
      status: r.status,
      message: r.error,
      baseModel: r.base_model,
      step: r.step,
      totalSteps: r.total_steps,
      finalLoss: r.final_loss,
      bestCheckpointStep: fav?.step ?? null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      where,
    };
  }

  list(): RunSummary[] {
    const ids = this.db.prepare('SELECT id FROM runs ORDER BY id DESC').all() as { id: number }[];
    return ids.map((r) => this.summary(r.id)!);
  }

  detail(id: number): RunDetail | undefined {
    const summary = this.summary(id);
    const row = this.row(id);
    if (!summary || !row) return undefined;
    const checkpoints = (
      this.db.prepare('SELECT step, file, favourite, created_at AS createdAt FROM checkpoints WHERE run_id = ? ORDER BY step').all(id) as (Omit<RunCheckpoint, 'favourite'> & { favourite: number })[]
    ).map((c) => ({ ...c, favourite: c.favourite === 1 }));
    const samples = (
      this.db.prepare(`SELECT checkpoint_step AS step, prompt, seed, file, requested FROM samples WHERE run_id = ? AND kind = 'training' ORDER BY id`).all(id) as (Omit<RunSample, 'requested'> & { requested: number })[]
    ).map((s) => ({ ...s, requested: s.requested === 1 }));
    const alerts = this.db.prepare('SELECT kind, step, message FROM run_alerts WHERE run_id = ? ORDER BY step').all(id) as RunAlert[];
    return { ...summary, config: JSON.parse(row.config) as TrainingSettings, checkpoints, samples, alerts };
  }
}

/** A run row's queue_link column: which queue run it follows, or undefined for a run on this machine. */
function parseQueueLink(raw: string | null | undefined): QueueLink | undefined {
  return raw ? (JSON.parse(raw) as QueueLink) : undefined;
}
