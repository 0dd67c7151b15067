// Peak memory of a LoRA run before it starts: the frozen weights in the precision they are held in, the
// activations the backward pass needs, the LoRA with its gradient and Adam moments, and the runtime itself. Pure
// arithmetic on the model's shape, so the preflight can try other settings and say which one would fit.
import type { DenoiserShape } from '@lora-studio/models';

export type HeldPrecision = 'bf16' | 'fp8' | 'int8';

export interface MemoryEstimateInput {
  /** The network's block stack (a FLUX.2 config is one; other families describe theirs the same way). */
  transformer: DenoiserShape;
  /** Parameters of the network (the family's count). */
  baseParams: number;
  /** Bytes per weight as stored (2 for FLUX.2's bf16 files, 4 for float32 ones). */
  storedBytesPerWeight: number;
  /** How the run holds the frozen base; fp8 and int8 keep one byte per weight whatever the file stores. */
  basePrecision: HeldPrecision;
  /** LoRA parameters (A and B of every targeted layer). */
  loraParams: number;
  batch: number;
  imageTokens: number;
  textTokens: number;
  gradientCheckpointing: boolean;
}

export interface MemoryEstimate {
  weightsBytes: number;
  activationsBytes: number;
  loraBytes: number;
  runtimeBytes: number;
  totalBytes: number;
}

/**
 * Floats kept per token and hidden unit in one block for the backward pass: the normed and modulated input,
 * q/k/v and their RMS-normed and rotated copies (RoPE's pairs cost several), the attention output and projection,
 * the SwiGLU's 2 × 3D hidden and its product, residuals and gates — about 40 when added up for both block kinds.
 */
const FLOATS_PER_TOKEN_PER_UNIT = 40;
/** Scores and probabilities of the joint attention: 2 floats per head per query-key pair, per block. */
const ATTENTION_FLOATS_PER_PAIR_PER_HEAD = 2;
/**
 * The LoRA's floats per parameter at the step's peak: parameters, gradient and two Adam moments inside the
 * session, their flat copies passed in and out (parameters and moments both ways), and the JavaScript state.
 */
const LORA_FLOATS_PER_PARAM = 10;
/**
 * Float32 working copies of frozen weights at the step's peak, in widest layers. Each use casts (bf16) or
 * dequantizes (int8, fp8) its layer and frees the copy after its last use; the recomputed block's copies live
 * through that block's backward pass and onnxruntime's arena keeps their chunks for the next step. Measured by
 * bench:memory on the CPU (klein-4B widths): 3.8 widest layers for bf16 and int8, 4.0 for fp8.
 */
const WIDEST_LAYER_COPIES_AT_PEAK = 4;
/** Node, onnxruntime and the run's own buffers (measured: 150–200 MB resident for a tiny model's run). */
const RUNTIME_BYTES = 200 * 1024 ** 2;

export function estimateTrainingMemory(a: MemoryEstimateInput): MemoryEstimate {
  const c = a.transformer;
  const D = c.hiddenSize;
  const blocks = c.numDoubleBlocks + c.numSingleBlocks;
  const S = a.imageTokens + a.textTokens;
  const heldBytes = a.basePrecision === 'bf16' ? a.storedBytesPerWeight : 1;
  // Quantized weights carry one float32 scale per output row: negligible next to the rows themselves.
  const weightsBytes = a.baseParams * heldBytes + WIDEST_LAYER_COPIES_AT_PEAK * largestLayerParams(c) * 4;
  const perBlock = a.batch * (S * D * FLOATS_PER_TOKEN_PER_UNIT + c.numHeads * S * S * ATTENTION_FLOATS_PER_PAIR_PER_HEAD) * 4;
  // Checkpointing keeps each block's two input streams and rebuilds one block at a time in the backward pass.
  const boundaries = a.batch * S * D * 2 * 4 * blocks;
  const activationsBytes = a.gradientCheckpointing ? boundaries + perBlock : perBlock * blocks;
  const loraBytes = a.loraParams * LORA_FLOATS_PER_PARAM * 4;
  const totalBytes = weightsBytes + activationsBytes + loraBytes + RUNTIME_BYTES;
  return { weightsBytes, activationsBytes, loraBytes, runtimeBytes: RUNTIME_BYTES, totalBytes };
}

/** The widest Linear layer: single blocks' linear1 (D → 3D + 2M), or the text projection for wide text encoders. */
function largestLayerParams(c: DenoiserShape): number {
  const M = Math.round(c.hiddenSize * c.mlpRatio);
  return Math.max(c.hiddenSize * (3 * c.hiddenSize + 2 * M), c.hiddenSize * c.contextDim, 2 * M * c.hiddenSize);
}

export interface MemoryBudget {
  /** Where the run's tensors live: the machine's RAM, or a GPU's memory (then RAM holds the runtime only). */
  device: 'cpu' | 'cuda';
  totalBytes: number;
  /** Free now (RAM only: other programs may give it back, so too little free is a warning, not an error). */
  freeBytes?: number;
}

/** A setting the user can change, and the estimate with it changed. */
export interface MemoryRemedy {
  setting: 'gradientCheckpointing' | 'basePrecision' | 'resolution' | 'batchSize';
  value: boolean | string | number;
  /** What to tell the user, e.g. "turn on gradient checkpointing". */
  advice: string;
  totalBytes: number;
}

export interface MemoryFit {
  fits: boolean;
  /** Fits the total but not what is free now. */
  tight: boolean;
  /** The first change, in the order that costs the result least, that brings the run within the budget. */
  remedy?: MemoryRemedy;
}

/**
 * Whether a run fits, and if not which one setting to change: gradient checkpointing first (costs time only),
 * then an 8-bit base (costs a little fidelity), then a smaller batch, then a lower resolution (costs detail).
 * `resolution` scales the image tokens: tokens grow with its square.
 */
export function memoryFit(input: MemoryEstimateInput & { resolution: number }, budget: MemoryBudget): MemoryFit {
  const need = (i: MemoryEstimateInput) => estimateTrainingMemory(i).totalBytes;
  const fitsIn = (bytes: number) => bytes <= budget.totalBytes * 0.95; // the OS and drivers keep a little
  const total = need(input);
  if (fitsIn(total)) return { fits: true, tight: budget.freeBytes !== undefined && total > budget.freeBytes };
  const tries: Omit<MemoryRemedy, 'totalBytes'>[] = [];
  if (!input.gradientCheckpointing) tries.push({ setting: 'gradientCheckpointing', value: true, advice: 'turn on gradient checkpointing' });
  if (input.basePrecision === 'bf16') tries.push({ setting: 'basePrecision', value: 'int8', advice: 'set the base precision to int8 (or fp8)' });
  if (input.batch > 1) tries.push({ setting: 'batchSize', value: 1, advice: 'set the batch size to 1 (raise gradient accumulation to keep the effective batch)' });
  for (const resolution of [768, 512, 256].filter((r) => r < input.resolution)) {
    tries.push({ setting: 'resolution', value: resolution, advice: `lower the resolution to ${resolution}` });
  }
  // Each step keeps the changes before it: checkpointing and int8 together are the usual answer for FLUX.2.
  let current = { ...input };
  const applied: string[] = [];
  for (const t of tries) {
    if (t.setting === 'gradientCheckpointing') current = { ...current, gradientCheckpointing: true };
    if (t.setting === 'basePrecision') current = { ...current, basePrecision: 'int8' };
    if (t.setting === 'batchSize') current = { ...current, batch: 1 };
    if (t.setting === 'resolution') {
      const scale = ((t.value as number) / input.resolution) ** 2;
      current = { ...current, resolution: t.value as number, imageTokens: Math.max(1, Math.round(input.imageTokens * scale)) };
    }
    applied.push(t.advice);
    const bytes = need(current);
    if (fitsIn(bytes)) return { fits: false, tight: false, remedy: { ...t, advice: joinAdvice(applied), totalBytes: bytes } };
  }
  return { fits: false, tight: false };
}

function joinAdvice(parts: string[]): string {
  // A lower resolution replaces the one tried before it.
  const kept = parts.filter((p, i) => !(p.startsWith('lower the resolution') && parts.slice(i + 1).some((q) => q.startsWith('lower the resolution'))));
  return kept.length === 1 ? kept[0]! : `${kept.slice(0, -1).join(', ')} and ${kept[kept.length - 1]}`;
}

export function gigabytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(bytes < 10 * 1024 ** 3 ? 1 : 0)} GB`;
}
