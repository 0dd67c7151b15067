// onnxruntime-node sessions: execution-provider choice (CUDA → CPU) with the reason for each
// fallback, thread settings, a cache keyed by the model's hash, and per-run timings.

import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import type { DType } from './dtype';
import { SpinningChoice, type SessionKind } from './spinning-choice';

// onnxruntime's own logger prints every failed provider load in red; those failures are reported as
// values (fallback reasons, thrown errors) instead.
ort.env.logLevel = 'fatal';

export type ProviderName = 'cuda' | 'webgpu' | 'dml' | 'coreml' | 'cpu';

export interface EngineSessionOptions {
  /** Providers to try, best first. Default: ['cuda', 'cpu']. */
  providers?: readonly ProviderName[];
  /** Intra-op threads (default: onnxruntime's choice, one per physical core). */
  threads?: number;
  /** Graph optimisation level. Use 'disabled' or 'basic' for float64 gradient checks. Default 'all'. */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Let idle intra-op threads busy-wait while a run lasts (they stop when it returns). Off by default: spinning
   * threads slow down every other busy process on the machine, and themselves with it. 'auto' (CPU only, more than
   * one thread) tries both and keeps whichever has lately been faster (`SpinningChoice`), re-creating the session
   * when it changes: for small graphs of many short nodes, which are quick to create.
   */
  spinning?: boolean | 'auto';
  /** Folder that relative external-data paths are resolved against when the model is given as bytes. */
  externalDataFolder?: string;
  /**
   * Keep recomputed (checkpointed) nodes apart: onnxruntime's common-subexpression elimination
   * would merge them back into the forward pass and undo the memory saving.
   */
  keepRecomputation?: boolean;
  /**
   * Frozen weights stay as stored (external data, often bf16/fp16/int8): no constant folding (it would turn the
   * graph's per-layer Cast or DequantizeLinear into a float32 copy of every weight at load time) and no pre-packing
   * (a second, re-laid-out float32 copy per MatMul weight).
   */
  keepWeightsAsStored?: boolean;
  /**
   * With keepWeightsAsStored, constant folding and pre-packing stay on: onnxruntime turns each stored weight's Cast
   * into a float32 constant once at load instead of casting at every use, and lays it out for its Gemm (for models
   * whose float32 copy is small). The memory pattern stays off.
   */
  convertWeightsAtLoad?: boolean;
  /** Write onnxruntime's per-node profile (Chrome trace JSON) to a file starting with this path; see `endProfiling`. */
  profile?: string;
}

export interface ProviderFallback {
  provider: ProviderName;
  reason: string;
}

/** A host tensor to feed: an onnxruntime Tensor. Build one with `hostTensor`. */
export type HostTensor = ort.Tensor;

export function hostTensor(dtype: DType, dims: readonly number[], data: ArrayLike<number> | ArrayBufferView): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const typed = data instanceof NATIVE[dtype] ? data : toTyped(dtype, data as ArrayLike<number>);
  if ((typed as unknown as ArrayLike<number>).length !== n) {
    throw new Error(`hostTensor: shape [${dims.join(', ')}] needs ${n} values, got ${(typed as unknown as ArrayLike<number>).length}.`);
  }
  return new ort.Tensor(dtype as 'float32', typed as Float32Array, dims);
}

// The typed array onnxruntime expects per dtype (16-bit floats travel as raw Uint16 words).
const NATIVE: Record<DType, Function> = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, bfloat16: Uint16Array, int64: BigInt64Array,
  int32: Int32Array, int8: Int8Array, uint8: Uint8Array, bool: Uint8Array, float8e4m3fn: Uint8Array,
};

function toTyped(dtype: DType, values: ArrayLike<number>): ArrayBufferView {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int64': return BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
    case 'int32': return Int32Array.from(values);
    case 'int8': return Int8Array.from(values);
    case 'uint8': return Uint8Array.from(values);
    case 'bool': return Uint8Array.from(values, (v) => (v ? 1 : 0));
    default: throw new Error(`hostTensor: ${dtype} values must be passed as raw 16-bit words (Uint16Array).`);
  }
}

export interface RunResult {
  outputs: Record<string, ort.Tensor>;
  ms: number;
}

/** How `spinning: 'auto'` creates a session of either kind, which kind is live, what decides, and why it stopped. */
export interface SpinningSessions {
  create: (kind: SessionKind) => Promise<ort.InferenceSession>;
  live: SessionKind;
  choice: SpinningChoice;
  stopped?: string;
}

export class EngineSession {
  /** Milliseconds of every run so far, in order. */
  readonly timings: number[] = [];

  constructor(
    private current: ort.InferenceSession,
    readonly provider: ProviderName,
    readonly fallbacks: readonly ProviderFallback[],
    readonly createMs: number,
    readonly hash: string,
    /** With `spinning: 'auto'`: how to create the session either way, which kind is live, and what decides. */
    private readonly spinning?: SpinningSessions,
  ) {}

  /** The live onnxruntime session. */
  get session(): ort.InferenceSession {
    return this.current;
  }

  /** How many runs had blocking and spinning threads (`spinning: 'auto'` only). */
  get spinningRuns(): Record<SessionKind, number> | undefined {
    return this.spinning?.choice.counts();
  }

  /** Why `spinning: 'auto'` stopped changing kind (a session of the other kind could not be created), if it did. */
  get spinningStopped(): string | undefined {
    return this.spinning?.stopped;
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(feeds: Record<string, ort.Tensor>, fetch?: readonly string[]): Promise<RunResult> {
    const missing = this.inputNames.filter((n) => !(n in feeds));
    if (missing.length) throw new Error(`Session run: missing inputs ${missing.join(', ')}; the graph needs every input fed.`);
    const kind = this.spinning ? await this.switchTo(this.spinning.choice.next()) : 'blocking';
    const session = this.current;
    const t0 = performance.now();
    const outputs = fetch ? await session.run(feeds, fetch) : await session.run(feeds);
    const ms = performance.now() - t0;
    this.timings.push(ms);
    this.spinning?.choice.record(kind, ms);
    return { outputs: outputs as Record<string, ort.Tensor>, ms };
  }

  /** Stops profiling (sessions created with `profile`); onnxruntime writes its JSON file then. */
  endProfiling(): void {
    this.session.endProfiling();
  }

  /**
   * Makes the live session the given kind (the old one is released first, so only one copy of the buffers is ever
   * held); returns the kind that is live. Callers run one step at a time, so no run is in flight on the old one.
   * If the new kind cannot be created (memory freed by the old one not yet back, say), the kind that loaded before is
   * created again and kept for the rest of the session: a slower step beats a failed run.
   */
  private async switchTo(kind: SessionKind): Promise<SessionKind> {
    const s = this.spinning!;
    if (kind === s.live) return kind;
    await this.current.release();
    try {
      this.current = await s.create(kind);
    } catch (e) {
      s.stopped = `a session with ${kind} threads could not be created (${firstLine(e)}); staying with ${s.live} threads`;
      try {
        this.current = await s.create(s.live);
      } catch (again) {
        throw new Error(`Session: ${s.stopped}, but that session could not be created again either (${firstLine(again)}). Start the run again; if it fails the same way, close other programs to free memory.`);
      }
      s.choice.stay(s.live);
      return s.live;
    }
    s.live = kind;
    return kind;
  }

  async release(): Promise<void> {
    await this.current.release();
  }
}

export function modelHash(model: Uint8Array, opts: EngineSessionOptions = {}): string {
  return createHash('sha256').update(model).update(JSON.stringify(opts)).digest('hex').slice(0, 16);
}

/** Creates a session on the first provider in `opts.providers` that loads, recording why the others did not. */
export async function createSession(model: Uint8Array | string, opts: EngineSessionOptions = {}): Promise<EngineSession> {
  const providers = opts.providers ?? ['cuda', 'cpu'];
  const fallbacks: ProviderFallback[] = [];
  const hash = typeof model === 'string' ? createHash('sha256').update(model).digest('hex').slice(0, 16) : modelHash(model, opts);
  for (const provider of providers) {
    const t0 = performance.now();
    try {
      const auto = opts.spinning === 'auto' && provider === 'cpu' && opts.threads !== 1 && !opts.profile;
      const create = (kind: SessionKind) => ort.InferenceSession.create(model as Uint8Array, ortOptions(provider, { ...opts, spinning: kind === 'spinning' }));
      const session = await create(opts.spinning === true ? 'spinning' : 'blocking');
      const spinning: SpinningSessions | undefined = auto ? { create, live: 'blocking', choice: new SpinningChoice() } : undefined;
      return new EngineSession(session, provider, fallbacks, performance.now() - t0, hash, spinning);
    } catch (e) {
      fallbacks.push({ provider, reason: firstLine(e) });
    }
  }
  const reasons = fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; ');
  throw new Error(`No execution provider could run this graph (${reasons}).`);
}

export function ortOptions(provider: ProviderName, opts: EngineSessionOptions): ort.InferenceSession.SessionOptions {
  // Spinning threads stop as soon as a run returns (force_spinning_stop), so they never busy-wait between runs.
  const session: Record<string, string> = opts.spinning === true ? { 'intra_op.allow_spinning': '1', force_spinning_stop: '1' } : { 'intra_op.allow_spinning': '0' };
  // A node the GPU provider cannot run must fail loudly rather than run slowly on the CPU.
  if (provider !== 'cpu') session.disable_cpu_ep_fallback = '1';
  if (opts.externalDataFolder) session.model_external_initializers_file_folder_path = opts.externalDataFolder;
  if (opts.keepWeightsAsStored && !opts.convertWeightsAtLoad) session.disable_prepacking = '1';
  const extra: Record<string, unknown> = { session };
  const disabled = [
    ...(opts.keepRecomputation ? ['CommonSubexpressionElimination'] : []),
    ...(opts.keepWeightsAsStored && !opts.convertWeightsAtLoad ? ['ConstantFolding'] : []),
  ];
  // onnxruntime reads this list split at ';' (a ',' list names one optimizer that does not exist, so nothing was
  // disabled: the Cast of every stored weight was folded into a float32 copy at load and the recomputed blocks merged
  // back into the forward pass).
  if (disabled.length) extra.optimization = { disable_specified_optimizers: disabled.join(';') };
  return {
    executionProviders: [provider],
    graphOptimizationLevel: opts.optimization ?? 'all',
    ...(opts.threads ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : {}),
    // The parallel executor (independent branches on inter-op threads) cost the default model's training step 40–120%
    // more CPU time and 1.3–2.3× the wall time on two cores (packages/onnx/README.md, speed section).
    executionMode: 'sequential',
    // With frozen weights converted at each use, onnxruntime's memory pattern (one block laid out after the first
    // run and taken from the arena beside the chunks that run left there) added 0.75 GiB to bench:memory's bf16 step
    // (3.0 → 3.77 GiB) at the same CPU time per step.
    ...(opts.keepWeightsAsStored ? { enableMemPattern: false } : {}),
    // onnxruntime's CPU arena stays on: without it peak RSS of bench:train-step's klein-block step fell by about
    // 150 MiB (bench:memory's bf16 step: 3.0 → 2.4 GiB), but every step then faulted its activations' and weight
    // copies' pages in afresh and ran up to 40% slower (bench:memory: 4.4–5.3 → 5.8–7.6 CPU seconds per step).
    ...(opts.profile ? { enableProfiling: true, profileFilePrefix: opts.profile } : {}),
    logSeverityLevel: 3,
    extra,
  };
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].trim();
}
