// A LoRA adapter in our internal form: one entry per BFL Linear layer, ΔW = (alpha / rank) · up · down.
import type { Flux2Config } from '../flux2/config';
import { loraTargetLayers, type LoraTargets } from './targets';
import { SeededRandom } from '@lora-studio/onnx';

export interface LoraLayer {
  /** BFL module path, e.g. "double_blocks.0.img_attn.qkv". */
  path: string;
  inDim: number;
  outDim: number;
  rank: number;
  alpha: number;
  /** A / lora_down, [rank, inDim] row-major. */
  down: Float32Array;
  /** B / lora_up, [outDim, rank] row-major. */
  up: Float32Array;
}

export interface LoraAdapter {
  /** In model order (see compareModules). */
  layers: LoraLayer[];
  /** Header metadata carried with the adapter (modelspec.*, ss_*, lora_studio.*). */
  metadata: Record<string, string>;
}

export type LoraInit = 'kaiming' | 'gaussian';

export interface LoraOptions {
  targets: LoraTargets;
  rank: number;
  /** Defaults to rank (scale 1). */
  alpha?: number;
  init?: LoraInit;
  seed: number;
}

export function loraScale(layer: Pick<LoraLayer, 'alpha' | 'rank'>): number {
  return layer.alpha / layer.rank;
}

/**
 * A fresh adapter: B = 0 so the model starts unchanged; A is Kaiming-uniform (PEFT's default,
 * bound 1/sqrt(in)) or Gaussian with std 1/rank (PEFT's "gaussian").
 */
export function createLoraAdapter(config: Flux2Config, options: LoraOptions): LoraAdapter {
  const { rank, init = 'kaiming' } = options;
  const alpha = options.alpha ?? rank;
  if (!Number.isInteger(rank) || rank <= 0) throw new Error(`LoRA rank must be a positive integer (got ${rank}).`);
  if (!(alpha > 0)) throw new Error(`LoRA alpha must be positive (got ${alpha}).`);
  const rng = new SeededRandom(options.seed);
  const layers = loraTargetLayers(config, options.targets).map((l): LoraLayer => {
    const down = new Float32Array(rank * l.inDim);
    if (init === 'kaiming') rng.fillUniform(down, -1 / Math.sqrt(l.inDim), 1 / Math.sqrt(l.inDim));
    else rng.fillNormal(down, 1 / rank);
    return { path: l.path, inDim: l.inDim, outDim: l.outDim, rank, alpha, down, up: new Float32Array(l.outDim * rank) };
  });
  return { layers, metadata: {} };
}

/** ΔW = scale · up · down as [outDim, inDim] in float64 (for comparisons and merging). */
export function loraDelta(layer: LoraLayer): Float64Array {
  const { inDim, outDim, rank, up, down } = layer;
  const s = loraScale(layer);
  const out = new Float64Array(outDim * inDim);
  for (let o = 0; o < outDim; o++) {
    for (let r = 0; r < rank; r++) {
      const b = up[o * rank + r]! * s;
      if (b === 0) continue;
      const row = o * inDim;
      const a = r * inDim;
      for (let i = 0; i < inDim; i++) out[row + i]! += b * down[a + i]!;
    }
  }
  return out;
}

export function loraParameterCount(adapter: LoraAdapter): number {
  return adapter.layers.reduce((n, l) => n + l.rank * (l.inDim + l.outDim), 0);
}
