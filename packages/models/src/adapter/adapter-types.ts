// Every kind of adapter the studio trains and reads, by kind.
import { SeededRandom } from '@lora-studio/onnx';
import type { Adapter, AdapterKind, AdapterLayer, AdapterSettings, AdapterTarget, AdapterType } from './adapter-type';
import { adapterKindOf } from './adapter-type';
import { LOHA_ADAPTER } from './loha-type';
import { LOKR_ADAPTER } from './lokr-type';
import { LORA_ADAPTER } from './lora-type';
import type { LoraAdapter, LoraLayer } from '../lora/adapter';

export const ADAPTER_TYPES: Record<AdapterKind, AdapterType> = { lora: LORA_ADAPTER, lokr: LOKR_ADAPTER, loha: LOHA_ADAPTER };

export function adapterType(kind: AdapterKind | undefined): AdapterType {
  const type = ADAPTER_TYPES[kind ?? 'lora'];
  if (!type) throw new Error(`Unknown adapter type "${kind}". Use ${Object.keys(ADAPTER_TYPES).join(', ')}.`);
  return type;
}

export function adapterTypeOf(layer: AdapterLayer): AdapterType {
  return ADAPTER_TYPES[adapterKindOf(layer)];
}

/** ΔW of any adapter's layer, [outDim, inDim] in float64. */
export function adapterDelta(layer: AdapterLayer): Float64Array {
  return adapterTypeOf(layer).delta(layer);
}

/** The flat-buffer names of a layer's trainable tensors: "<path>.<role>". */
export function adapterParameterName(path: string, role: string): string {
  return `${path}.${role}`;
}

/** A fresh adapter of `kind` on `targets`, drawn in order from one stream seeded with `seed`. */
export function createAdapter(kind: AdapterKind, targets: readonly AdapterTarget[], settings: AdapterSettings, seed: number): Adapter {
  const type = adapterType(kind);
  const rng = new SeededRandom(seed);
  return { layers: targets.map((t) => type.layer(t, settings, type.init(t, settings, rng))), metadata: {} };
}

/**
 * The adapter held in a flat buffer (the trainer's parameters, a checkpoint's): `valueOf(name)` gives each
 * "<path>.<role>" tensor.
 */
export function adapterFromValues(kind: AdapterKind, targets: readonly AdapterTarget[], settings: AdapterSettings, valueOf: (name: string) => Float32Array): Adapter {
  const type = adapterType(kind);
  const layers = targets.map((t) => type.layer(t, settings, type.tensors(t, settings).map((spec) => valueOf(adapterParameterName(t.path, spec.role)))));
  return { layers, metadata: {} };
}

/** The scale a layer's update is multiplied by in the training graph (depends on shapes and settings, not values). */
export function adapterScale(kind: AdapterKind, target: AdapterTarget, settings: AdapterSettings): number {
  const type = adapterType(kind);
  const empty = type.tensors(target, settings).map(() => new Float32Array(0));
  return type.scale(type.layer(target, settings, empty));
}

/**
 * The same update as a LoRA pair, exactly: a LoRA stays as it is; a LoKr or LoHa becomes ΔW with an identity on its
 * smaller side (rank = min(in, out), alpha = rank). The samplers' LoRA slots then apply any kind without a graph of
 * their own; it costs a full-size ΔW per layer, which only inference pays.
 */
export function exactLowRank(adapter: Adapter): LoraAdapter {
  const layers = adapter.layers.map((layer): LoraLayer => {
    if (!('kind' in layer)) return layer;
    const delta = Float32Array.from(adapterDelta(layer));
    const { inDim, outDim } = layer;
    const rank = Math.min(inDim, outDim);
    const identity = new Float32Array(rank * rank);
    for (let i = 0; i < rank; i++) identity[i * rank + i] = 1;
    return inDim <= outDim
      ? { path: layer.path, inDim, outDim, rank, alpha: rank, down: identity, up: delta }
      : { path: layer.path, inDim, outDim, rank, alpha: rank, down: delta, up: identity };
  });
  return { layers, metadata: adapter.metadata };
}

/** Every tensor role a kind may have (a LoKr's W2 is one full matrix or a low-rank pair). */
export const ADAPTER_ROLES = Object.fromEntries(Object.values(ADAPTER_TYPES).map((t) => [t.kind, t.roles])) as Record<AdapterKind, readonly string[]>;
