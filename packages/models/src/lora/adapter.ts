// A LoRA adapter in our internal form: one entry per BFL Linear layer, ΔW = (alpha / rank) · up · down.
import type { Flux2Config } from '../flux2/config';
import { loraTargetLayers, type LoraTargets } from './targets';
import { adapterDelta, createAdapter } from '../adapter/adapter-types';
import type { Adapter, AdapterLayer } from '../adapter/adapter-type';

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
  return createAdapter('lora', loraTargetLayers(config, options.targets), { rank, alpha, init }, options.seed) as LoraAdapter;
}

/** ΔW = scale · up · down as [outDim, inDim] in float64 (for comparisons and merging); any adapter kind's layer. */
export function loraDelta(layer: AdapterLayer): Float64Array {
  return adapterDelta(layer);
}

/** Trained numbers in an adapter of any kind. */
export function loraParameterCount(adapter: Adapter): number {
  return adapter.layers.reduce((n, l) => n + ('kind' in l ? Object.values(l.tensors).reduce((k, t) => k + t.data.length, 0) : l.rank * (l.inDim + l.outDim)), 0);
}
