import type { ProjectStore } from '@lora-studio/store';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { AnalysisOutcome, AnalyzerSwitches } from './analysis-messages';
import { AnalysisPool } from './analysis-pool';
import { faceChecksApply, imageFlags } from './flags';
import { ImageRows } from './image-rows';
import { imagePaths } from './import';

/**
 * While a training run uses the CPU, analysis yields: images in flight finish, new ones wait until training stops.
 * Measured on 2 cores: analysis right after an import slowed training to 0.74× of its speed without it.
 */
let pausedForTraining = false;
const liveAnalyzers = new Set<BackgroundAnalyzer>();

export function setBackgroundAnalysisPaused(paused: boolean): void {
  pausedForTraining = paused;
  if (!paused) for (const analyzer of liveAnalyzers) analyzer.start();
}

export interface BackgroundAnalysisOptions {
  /** Which analyzers run; both by default. */
  analyzers?: Partial<AnalyzerSwitches>;
  /** Analysis threads; by default one per two cores (OCR and the detector each keep a core busy), at most 2. */
  threads?: number;
  /** Called on the main thread after each image's analysis is stored (done or failed). */
  onChanged?: (ids: number[]) => void;
}

/**
 * Analyses a project's images in the background (OCR text and face count), after import and whenever the project is
 * opened. All its state is in the store: an image is 'pending' until its result is written in one statement, so after
 * a crash or restart the next analyzer picks up exactly the images without a result, none twice, none lost.
 * The host process stays the single writer: threads only read image files and send results back.
 */
export class BackgroundAnalyzer {
  readonly analyzers: AnalyzerSwitches;
  private readonly rows: ImageRows;
  private readonly pool: AnalysisPool;
  private readonly inFlight = new Set<number>();
  /** Images handed to the pool at once: enough to keep every thread busy while a result is being stored. */
  private readonly window: number;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly store: ProjectStore, private readonly opts: BackgroundAnalysisOptions = {}) {
    this.analyzers = { text: opts.analyzers?.text ?? true, faces: opts.analyzers?.faces ?? true };
    this.rows = new ImageRows(store);
    const threads = Math.max(1, opts.threads ?? Math.min(2, Math.floor(availableParallelism() / 2)));
    this.pool = new AnalysisPool(threads);
    this.window = threads * 2;
    liveAnalyzers.add(this);
  }

  get enabled(): boolean {
    return this.analyzers.text || this.analyzers.faces;
  }

  /** Picks up images awaiting analysis; call after an import. Cheap when nothing is waiting. */
  start(): void {
    if (this.closed || !this.enabled || pausedForTraining) return this.settleIfIdle();
    if (!this.store.db.open) {
      void this.close();
      return;
    }
    const room = this.window - this.inFlight.size;
    if (room > 0) {
      for (const row of this.rows.awaitingAnalysis(this.analyzers, [...this.inFlight], room)) {
        this.inFlight.add(row.id);
        const paths = imagePaths(row.hash, 'jpg');
        void this.pool
          .run({ id: row.id, thumbnail: join(this.store.dir, paths.thumbLarge), original: join(this.store.dir, row.file), analyzers: this.analyzers })
          .then((outcome) => this.finish(outcome));
      }
    }
    this.settleIfIdle();
  }

  /** Resolves once no image is awaiting analysis (or the analyzer was closed, or analysis is paused for training). */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.settleIfIdle();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    liveAnalyzers.delete(this);
    await this.pool.close();
    this.settleIfIdle();
  }

  private finish(outcome: AnalysisOutcome): void {
    this.inFlight.delete(outcome.id);
    // A closed project, or a stop mid-image, leaves the row 'pending' for the next analyzer.
    if (this.closed || !this.store.db.open) return this.settleIfIdle();
    const settings = this.store.settings();
    const flagContext = { loraType: settings.type, faceChecks: faceChecksApply(settings), hasNearDuplicate: false };
    const stored = outcome.ok
      ? this.rows.saveAnalysis(outcome.id, outcome, (metrics, crop) => imageFlags(metrics, { ...flagContext, crop }).map((f) => f.id))
      : this.rows.failAnalysis(outcome.id, outcome.reason);
    if (stored) this.opts.onChanged?.([outcome.id]);
    this.start();
  }

  private settleIfIdle(): void {
    if (this.inFlight.size > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

const analyzers = new WeakMap<ProjectStore, BackgroundAnalyzer>();

/**
 * The one background analyzer of an open project, started (or woken) now. Call it after every import and when a
 * project is opened; with other switches than the running analyzer's, that one is replaced.
 */
export function startBackgroundAnalysis(store: ProjectStore, opts: BackgroundAnalysisOptions = {}): BackgroundAnalyzer {
  let analyzer = analyzers.get(store);
  const wanted = { text: opts.analyzers?.text ?? true, faces: opts.analyzers?.faces ?? true };
  if (analyzer && (analyzer.analyzers.text !== wanted.text || analyzer.analyzers.faces !== wanted.faces)) {
    void analyzer.close();
    analyzer = undefined;
  }
  if (!analyzer) {
    analyzer = new BackgroundAnalyzer(store, opts);
    analyzers.set(store, analyzer);
  }
  analyzer.start();
  return analyzer;
}
