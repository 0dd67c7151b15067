// A run's checkpoints as LoRA adapters: the trained tensors of a checkpoint file, laid out on the run's target
// layers, plus the content hash that keys every cached grid cell rendered with it.
import { InvalidInputError, NotFoundError, UnavailableError } from '@lora-studio/api';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { LoraAdapter, LoraLayer } from '@lora-studio/models';
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

/**
 * Reads the LoRA tensors of a training checkpoint (the optimizer state is read too, then dropped). The layout
 * names each layer's `<path>.lora_A` [rank, in] and `<path>.lora_B` [out, rank], so no model is needed.
 */
export function checkpointLora(path: string): CheckpointLora {
  const c = readCheckpoint(path);
  if (c.config.mode === 'full') {
    throw new InvalidInputError(`${path} comes from a full-model run, which has no LoRA to compare or export. Use a LoRA run.`);
  }
  const slots = new Map<string, { shape: number[]; data: Float32Array }>();
  let offset = 0;
  for (const slot of c.layout) {
    const size = slot.shape.reduce((a, d) => a * d, 1);
    slots.set(slot.name, { shape: slot.shape, data: c.params.slice(offset, offset + size) });
    offset += size;
  }
  const layers: LoraLayer[] = [];
  for (const [name, a] of slots) {
    if (!name.endsWith('.lora_A')) continue;
    const layerPath = name.slice(0, -'.lora_A'.length);
    const b = slots.get(`${layerPath}.lora_B`);
    if (!b) throw new UnavailableError(`${path} has ${name} but no ${layerPath}.lora_B; the checkpoint is damaged. Use another step.`);
    const [rank, inDim] = a.shape as [number, number];
    layers.push({ path: layerPath, inDim, outDim: b.shape[0]!, rank, alpha: c.config.alpha, down: a.data, up: b.data });
  }
  if (layers.length === 0) throw new UnavailableError(`${path} holds no LoRA tensors.`);
  return { step: c.step, adapter: { layers, metadata: {} }, config: c.config, baseModel: c.baseModel };
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
