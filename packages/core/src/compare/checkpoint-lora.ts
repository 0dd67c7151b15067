// A run's checkpoints as LoRA adapters: the trained tensors of a checkpoint file, laid out on the run's target
// layers, plus the content hash that keys every cached grid cell rendered with it.
import { InvalidInputError, NotFoundError, UnavailableError } from '@lora-studio/api';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ADAPTER_ROLES, adapterType, type Adapter, type LoraAdapter, type LoraLayer } from '@lora-studio/models';
import { listCheckpoints, readCheckpoint, runPaths, type TrainingConfig } from '@lora-studio/trainer';

export interface RunCheckpointFile {
  step: number;
  path: string;
}

export function runCheckpoints(runDir: string): RunCheckpointFile[] {
  return listCheckpoints(runPaths(runDir).checkpoints);
}

/** The checkpoint of `step`, or an error that lists the steps there are. */
export function checkpointAt(runDir: string, step: number): RunCheckpointFile {
  const all = runCheckpoints(runDir);
  const found = all.find((c) => c.step === step);
  if (!found) {
    throw new NotFoundError(all.length
      ? `The run in ${runDir} has no checkpoint at step ${step}; it has steps ${all.map((c) => c.step).join(', ')}.`
      : `The run in ${runDir} has no checkpoints yet. Wait for the first one (or train longer) and try again.`);
  }
  return found;
}

export interface CheckpointLora {
  step: number;
  adapter: LoraAdapter;
  config: TrainingConfig;
  baseModel: string;
}

/** Which tensors of a checkpoint: the trained ones, or their moving average (runs with an EMA decay). */
export type CheckpointWeights = 'trained' | 'ema';

/** A checkpoint's adapter of any kind (LoRA, LoKr, LoHa). */
export interface CheckpointAdapter extends Omit<CheckpointLora, 'adapter'> {
  adapter: Adapter;
}

/**
 * Reads the adapter tensors of a training checkpoint (the optimizer state is read too, then dropped). The layout
 * names each layer's tensors "<path>.<role>" ("<path>.lora_A" [rank, in], "<path>.lokr_w1" …), and the run's
 * config says which kind they make, so no model is needed.
 */
export function checkpointAdapter(path: string, weights: CheckpointWeights = 'trained'): CheckpointAdapter {
  const c = readCheckpoint(path);
  if (weights === 'ema' && !c.ema) {
    throw new InvalidInputError(`${path} holds no EMA of the adapter: its run was trained without one. Export the trained weights, or train with an EMA decay (--ema).`);
  }
  const values = weights === 'ema' ? c.ema! : c.params;
  if (c.config.mode === 'full') {
    throw new InvalidInputError(`${path} comes from a full-model run, which has no LoRA to compare or export. Use a LoRA run.`);
  }
  const type = adapterType(c.config.adapter);
  const roles = new Set(ADAPTER_ROLES[type.kind]);
  // layer path → role → tensor, in layout (model) order
  const byLayer = new Map<string, Map<string, { shape: number[]; data: Float32Array }>>();
  let offset = 0;
  for (const slot of c.layout) {
    const size = slot.shape.reduce((a, d) => a * d, 1);
    const dot = slot.name.lastIndexOf('.');
    const role = slot.name.slice(dot + 1);
    if (!roles.has(role)) throw new UnavailableError(`${path} holds ${slot.name}, which is not a tensor of a ${type.label}; the checkpoint is damaged. Use another step.`);
    const layer = byLayer.get(slot.name.slice(0, dot)) ?? new Map();
    byLayer.set(slot.name.slice(0, dot), layer);
    layer.set(role, { shape: slot.shape, data: values.slice(offset, offset + size) });
    offset += size;
  }
  const settings = { rank: c.config.rank, alpha: c.config.alpha, lokrFactor: c.config.lokrFactor };
  const layers = [...byLayer].map(([layerPath, tensors]) => {
    const shapes = Object.fromEntries([...tensors].map(([role, t]) => [role, t.shape]));
    let target;
    try {
      target = { path: layerPath, ...type.dims(shapes) };
    } catch {
      throw new UnavailableError(`${path} has only some of the tensors of ${layerPath}; the checkpoint is damaged. Use another step.`);
    }
    const specs = type.tensors(target, settings);
    const missing = specs.find((s) => !tensors.has(s.role));
    if (missing) throw new UnavailableError(`${path} has no ${layerPath}.${missing.role}; the checkpoint is damaged. Use another step.`);
    return type.layer(target, settings, specs.map((s) => tensors.get(s.role)!.data));
  });
  if (layers.length === 0) throw new UnavailableError(`${path} holds no LoRA tensors.`);
  return { step: c.step, adapter: { layers, metadata: {} }, config: c.config, baseModel: c.baseModel };
}

/** A LoRA run's checkpoint as LoRA pairs (a LoKr or LoHa run's is read with checkpointAdapter). */
export function checkpointLora(path: string): CheckpointLora {
  const read = checkpointAdapter(path);
  const layers = read.adapter.layers.filter((l): l is LoraLayer => !('kind' in l));
  if (layers.length !== read.adapter.layers.length) throw new InvalidInputError(`${path} holds a ${read.config.adapter} adapter, not LoRA pairs.`);
  return { ...read, adapter: { layers, metadata: {} } };
}

const hashes = new Map<string, { mtimeMs: number; size: number; hash: string }>();

/** sha256 of the file's bytes, remembered while the file's size and modification time stay the same. */
export function fileContentHash(path: string): string {
  const s = statSync(path);
  const known = hashes.get(path);
  if (known && known.mtimeMs === s.mtimeMs && known.size === s.size) return known.hash;
  const hash = createHash('sha256').update(readFileSync(path)).digest('hex');
  hashes.set(path, { mtimeMs: s.mtimeMs, size: s.size, hash });
  return hash;
}
