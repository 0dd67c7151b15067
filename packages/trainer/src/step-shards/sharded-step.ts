// A training step whose batch is split between the training process and a worker thread. Small models (the
// embedded default) run thousands of short nodes per step, where two intra-op threads mostly wait on each other:
// two sessions of one thread each, each on half of the rows, keep both cores busy instead (measured on the default
// model: engine/bench figures in packages/onnx/README.md, "Splitting the batch"). Each share runs the accumulate
// graph (forward and backward); the gradients are summed here and the apply-update graph takes one AdamW step on
// them, so the update is that of the whole batch's mean loss.
import { Worker } from 'node:worker_threads';
import { createSession, hostTensor, runAccumulateStep, type EngineSession, type EngineSessionOptions, type HostTensor, type TrainStepIO } from '@lora-studio/onnx';
import { workerEntry } from '@lora-studio/store';
import type { ShardCommand, ShardReply, WireTensor } from './shard-messages';

/** In the repository a bootstrap that registers tsx (threads cannot take --import tsx); bundled in the desktop app. */
const THREAD_ENTRY = workerEntry('step-shard', new URL('./shard-thread.mjs', import.meta.url)).path;

/**
 * Splits every step input by rows into `shards` equal parts, in row order. Every input of a step graph is per row;
 * one that is not could not be split, so it is refused rather than fed whole to each share.
 */
export function splitRows(feeds: Record<string, HostTensor>, rows: number, shards: number): Record<string, HostTensor>[] {
  if (rows % shards !== 0) throw new Error(`A batch of ${rows} rows cannot be split into ${shards} equal shares.`);
  const per = rows / shards;
  const parts: Record<string, HostTensor>[] = Array.from({ length: shards }, () => ({}));
  for (const [name, t] of Object.entries(feeds)) {
    if (t.dims[0] !== rows) throw new Error(`The step input "${name}" has ${t.dims[0] ?? 'no'} rows, not the batch's ${rows}: it cannot be split between threads.`);
    const data = t.data as Float32Array;
    const width = data.length / rows;
    parts.forEach((part, s) => {
      part[name] = hostTensor(t.type as 'float32', [per, ...t.dims.slice(1)], data.slice(s * per * width, (s + 1) * per * width));
    });
  }
  return parts;
}

function toWire(feeds: Record<string, HostTensor>): Record<string, WireTensor> {
  return Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, { type: t.type, dims: [...t.dims], data: t.data as WireTensor['data'] }]));
}

/** One worker thread holding a session per compiled step graph; one command in flight at a time. */
class ShardThread {
  private readonly worker = new Worker(THREAD_ENTRY);
  private pending: { resolve: (r: ShardReply) => void; reject: (e: Error) => void } | null = null;
  private lost: string | null = null;

  constructor() {
    this.worker.unref();
    this.worker.on('message', (r: ShardReply) => this.settle((p) => (r.type === 'failed' ? p.reject(new Error(r.reason)) : p.resolve(r))));
    this.worker.on('error', (e) => this.stop(e.message.split('\n')[0]!));
    this.worker.on('exit', (code) => this.stop(`it exited with code ${code}`));
  }

  call(command: ShardCommand, transfer: ArrayBuffer[] = []): Promise<ShardReply> {
    if (this.lost) return Promise.reject(new Error(this.lost));
    if (this.pending) return Promise.reject(new Error('a step-shard thread was sent a second command before the first finished'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.ref();
      this.worker.postMessage(command, transfer);
    });
  }

  /** Posts without waiting for a reply (release). */
  tell(command: ShardCommand): void {
    if (!this.lost) this.worker.postMessage(command);
  }

  async close(): Promise<void> {
    this.lost ??= 'The thread that trained part of each batch was closed (the run was ending).';
    await this.worker.terminate();
  }

  private settle(f: (p: NonNullable<ShardThread['pending']>) => void): void {
    const p = this.pending;
    this.pending = null;
    this.worker.unref();
    if (p) f(p);
  }

  private stop(why: string): void {
    this.lost ??= `Part of each batch was being trained on a thread of its own, and that thread stopped (${why}). Continue the run: it resumes from the last checkpoint.`;
    const message = this.lost;
    this.settle((p) => p.reject(new Error(message)));
  }
}

/** The worker threads of one run's sharded steps (shards − 1 of them; the training process runs the first share). */
export class ShardThreads {
  private readonly threads: ShardThread[];

  constructor(count: number) {
    this.threads = Array.from({ length: count }, () => new ShardThread());
  }

  get count(): number {
    return this.threads.length;
  }

  async open(key: string, bytes: Uint8Array, options: EngineSessionOptions, io: TrainStepIO): Promise<void> {
    await Promise.all(this.threads.map((t) => t.call({ type: 'open', key, bytes, options, io })));
  }

  run(thread: number, key: string, feeds: Record<string, HostTensor>, params: Float32Array): Promise<Extract<ShardReply, { type: 'ran' }>> {
    return this.threads[thread]!.call({ type: 'run', key, feeds: toWire(feeds), params }) as Promise<Extract<ShardReply, { type: 'ran' }>>;
  }

  release(key: string): void {
    for (const t of this.threads) t.tell({ type: 'release', key });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}

export interface ShardedRun {
  /** The mean of the shares' losses: the batch's mean loss (every share has as many rows). */
  loss: number;
  /** `acc` plus each share's gradient of its own mean loss: scale by 1/shards for the batch's. */
  gradAcc: Float32Array;
  rowLoss: Float32Array | null;
}

/**
 * One compiled accumulate graph (for rows / shards rows) run on every share of a batch: the first share here, the
 * others on `threads` at the same time, or all here one after another when there are none (the same numbers, bit
 * for bit: each share is the same graph on one intra-op thread, and the sums are taken in the same order).
 */
export class ShardedStep {
  private constructor(
    private readonly local: EngineSession,
    private readonly io: TrainStepIO,
    readonly shards: number,
    private readonly key: string,
    private readonly threads: ShardThreads | null,
  ) {}

  /** `options` must give one intra-op thread: the shares are the parallelism. */
  static async open(key: string, bytes: Uint8Array, io: TrainStepIO, options: EngineSessionOptions, shards: number, threads: ShardThreads | null): Promise<ShardedStep> {
    if (threads && threads.count !== shards - 1) throw new Error(`${shards} shares need ${shards - 1} threads besides this one, not ${threads.count}.`);
    const [local] = await Promise.all([createSession(bytes, options), threads?.open(key, bytes, options, io)]);
    return new ShardedStep(local, io, shards, key, threads);
  }

  /** Where the first share's session runs (the caller falls back to the whole-batch step off the CPU). */
  get provider(): string {
    return this.local.provider;
  }

  async accumulate(params: Float32Array, acc: Float32Array, feeds: Record<string, HostTensor>, rows: number): Promise<ShardedRun> {
    const parts = splitRows(feeds, rows, this.shards);
    // The other shares are posted first; this thread's run then blocks it while theirs go on.
    const others = this.threads ? parts.slice(1).map((p, i) => this.threads!.run(i, this.key, p, params)) : null;
    // Awaited below; marked handled now so a thread that fails while this one runs is not an unhandled rejection.
    for (const o of others ?? []) o.catch(() => undefined);
    const first = await runAccumulateStep(this.local, this.io, params, acc, parts[0]!).catch(async (e) => {
      await Promise.allSettled(others ?? []);
      throw e;
    });
    const rest: { loss: number; grad: Float32Array; rowLoss: Float32Array | null }[] = [];
    if (others) rest.push(...(await Promise.all(others)));
    else {
      const zeros = new Float32Array(params.length);
      for (const p of parts.slice(1)) {
        const r = await runAccumulateStep(this.local, this.io, params, zeros, p);
        rest.push({ loss: r.loss, grad: r.gradAcc, rowLoss: r.rowLoss });
      }
    }
    const gradAcc = first.gradAcc;
    for (const r of rest) for (let i = 0; i < gradAcc.length; i++) gradAcc[i] = gradAcc[i]! + r.grad[i]!;
    const losses = [first.loss, ...rest.map((r) => r.loss)];
    const rowLosses = [first.rowLoss, ...rest.map((r) => r.rowLoss)];
    return {
      loss: losses.reduce((a, b) => a + b, 0) / losses.length,
      gradAcc,
      rowLoss: rowLosses.every((r) => r) ? joinRows(rowLosses as Float32Array[]) : null,
    };
  }

  async release(): Promise<void> {
    this.threads?.release(this.key);
    await this.local.release();
  }
}

function joinRows(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
