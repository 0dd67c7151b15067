// One bucket's training step as onnxruntime sessions, in one of three forms: the fused step (forward, backward and
// AdamW in one run), gradient accumulation (accumulate × K, then apply), or the batch split into equal shares that
// run at the same time on threads of their own (each share accumulates, then one apply). The trainer and the
// train-step benchmark both run their steps through this.
import { availableParallelism } from 'node:os';
import {
  createSession, runAccumulateStep, runApplyUpdate, runTrainStep, type EngineSession, type EngineSessionOptions, type HostTensor, type Hyperparameters,
  type StepResult, type TrainState, type TrainStepIO,
} from '@lora-studio/onnx';
import type { TrainingConfig } from './config';
import { ShardedStep, ShardThreads } from './step-shards/sharded-step';
import { buildTrainStep, type StepModel, type StepShapes } from './train-step-graph';

/**
 * Into how many shares a step's batch is split: the largest divisor of the batch size, at least 2, that the CPU
 * threads allow, for models small enough to convert their weights at load (their steps are thousands of short
 * nodes, where intra-op threads mostly wait on each other); 1 (no split) otherwise. It depends on the thread count,
 * which is why a run and its resumes keep one thread count (RuntimeOptions.threads).
 */
export function batchShares(model: StepModel, config: TrainingConfig, threads: number | undefined): number {
  if (config.mode !== 'lora' || !model.family.weightSession(model.weights).convertWeightsAtLoad) return 1;
  const cpus = threads ?? availableParallelism();
  for (let d = Math.min(cpus, config.batchSize); d >= 2; d--) if (config.batchSize % d === 0) return d;
  return 1;
}

export interface MicroBatchRun {
  loss: number;
  gradAcc: Float32Array;
  rowLoss: Float32Array | null;
}

export class BucketStep {
  private constructor(
    private readonly fusedStep: { session: EngineSession; io: TrainStepIO } | null,
    private readonly accumulateStep: { session: EngineSession; io: TrainStepIO } | null,
    private readonly sharded: ShardedStep | null,
    private readonly applyStep: { session: EngineSession; io: TrainStepIO } | null,
    /** Rows of one micro-batch (the config's batch size). */
    readonly rows: number,
  ) {}

  /**
   * Compiles and opens the step of one bucket. With `shares` > 1 the graphs are built for rows / shares rows and
   * `threads` (shares − 1 of them, shared by every bucket of the run) run the other shares; the CPU is then the only
   * provider tried (on a GPU one session takes the whole batch).
   */
  static async open(
    model: StepModel, config: TrainingConfig, shapes: StepShapes,
    o: { threads?: number; shares: number; shareThreads: () => ShardThreads; key: string; providers?: EngineSessionOptions['providers']; spinning?: boolean | 'auto'; profile?: string },
  ): Promise<BucketStep> {
    const rows = shapes.batch;
    if (o.shares > 1) {
      if (o.profile) throw new Error('Profiling runs the whole batch in one session: give one share.');
      const graphs = buildTrainStep(model, config, { ...shapes, batch: rows / o.shares }, { accumulate: true });
      const perShare = Math.max(1, Math.floor((o.threads ?? availableParallelism()) / o.shares));
      const options: EngineSessionOptions = { ...graphs.session, providers: ['cpu'], threads: perShare, spinning: false, unpackedWeights: true };
      const sharded = await ShardedStep.open(o.key, graphs.step.bytes, graphs.step.io, options, o.shares, o.shareThreads());
      const apply = await createSession(graphs.apply!.bytes, { providers: ['cpu'], threads: 1 });
      return new BucketStep(null, null, sharded, { session: apply, io: graphs.apply!.io }, rows);
    }
    const graphs = buildTrainStep(model, config, shapes);
    // CUDA where its provider loads, else the CPU (the reason is in the session's fallbacks).
    const options: EngineSessionOptions = { threads: o.threads, ...graphs.session, ...(o.providers ? { providers: o.providers } : {}), ...(o.spinning === undefined ? {} : { spinning: o.spinning }), ...(o.profile ? { profile: o.profile } : {}) };
    const step = { session: await createSession(graphs.step.bytes, options), io: graphs.step.io };
    if (!graphs.apply) return new BucketStep(step, null, null, null, rows);
    return new BucketStep(null, step, null, { session: await createSession(graphs.apply.bytes, options), io: graphs.apply.io }, rows);
  }

  /** Forward, backward and AdamW in one run: only without accumulation or shares (otherwise accumulate, then apply). */
  get fused(): boolean {
    return this.fusedStep !== null;
  }

  /** Where the step runs ('cpu' for a split batch). */
  get provider(): string {
    return this.sharded?.provider ?? (this.fusedStep ?? this.accumulateStep)!.session.provider;
  }

  /** How many shares each micro-batch is split into (1: none). */
  get shares(): number {
    return this.sharded?.shards ?? 1;
  }

  async trainStep(state: TrainState, feeds: Record<string, HostTensor>, hyper: Hyperparameters): Promise<StepResult> {
    if (!this.fusedStep) throw new Error('This step accumulates: run accumulate() on each micro-batch, then apply().');
    return runTrainStep(this.fusedStep.session, this.fusedStep.io, state, feeds, hyper);
  }

  /** One micro-batch's gradient added to `acc` (each share's gradient is of its own mean loss). */
  async accumulate(params: Float32Array, acc: Float32Array, feeds: Record<string, HostTensor>): Promise<MicroBatchRun> {
    if (this.sharded) return this.sharded.accumulate(params, acc, feeds, this.rows);
    const s = this.accumulateStep!;
    const r = await runAccumulateStep(s.session, s.io, params, acc, feeds);
    return { loss: r.loss, gradAcc: r.gradAcc, rowLoss: r.rowLoss };
  }

  /** AdamW on the mean gradient of `microBatches` accumulated micro-batches. */
  async apply(state: TrainState, acc: Float32Array, microBatches: number, hyper: Hyperparameters): Promise<StepResult> {
    return runApplyUpdate(this.applyStep!.session, this.applyStep!.io, state, acc, 1 / (microBatches * this.shares), hyper);
  }

  /** The step's sessions, for their timings, spinning counts and profiles. */
  get sessions(): EngineSession[] {
    return [this.fusedStep?.session, this.accumulateStep?.session, this.applyStep?.session].filter((s): s is EngineSession => s !== undefined);
  }

  async release(): Promise<void> {
    await this.sharded?.release();
    for (const s of this.sessions) await s.release();
  }
}
