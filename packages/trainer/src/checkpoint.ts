// A training checkpoint: the trained tensors, the AdamW moments, the step, the random state, the data-order
// position and the loss monitor, in ONE safetensors file written atomically. Everything needed to continue
// exactly as if the run had never stopped.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainingConfig } from './config';
import type { DataPosition } from './data-order';
import { writeFileAtomic } from '@lora-studio/onnx';
import type { LossMonitorState } from './loss-monitor';
import type { RandomState } from './rng';
import { layoutSafetensors, parseSafetensors, type TensorToWrite } from '@lora-studio/onnx';

/** Trainable tensors in the order they sit in the flat parameter buffer. */
export interface ParameterSlot {
  name: string;
  shape: number[];
}

export interface TrainingCheckpoint {
  /** Optimizer steps completed. */
  step: number;
  layout: ParameterSlot[];
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
  rng: RandomState;
  data: DataPosition;
  monitor: LossMonitorState;
  config: TrainingConfig;
  /** Which base model the run trains (id of its encoders and weights). */
  baseModel: string;
  /** The moving average of `params` (same layout), when the run keeps one (config.ema). */
  ema?: Float32Array;
}

const STATE_KEY = 'lora_studio.training_state';
const FORMAT_VERSION = 1;

export function checkpointFileName(step: number): string {
  return `step-${String(step).padStart(6, '0')}.safetensors`;
}

function f32Bytes(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function writeCheckpoint(path: string, c: TrainingCheckpoint): void {
  const size = c.layout.reduce((n, s) => n + s.shape.reduce((a, d) => a * d, 1), 0);
  if (size !== c.params.length || size !== c.m.length || size !== c.v.length) {
    throw new Error(`Checkpoint buffers (${c.params.length}, ${c.m.length}, ${c.v.length}) do not match the layout (${size} values).`);
  }
  const tensors: Record<string, TensorToWrite> = {};
  let offset = 0;
  for (const slot of c.layout) {
    const n = slot.shape.reduce((a, d) => a * d, 1);
    tensors[slot.name] = { dtype: 'F32', shape: slot.shape, data: f32Bytes(c.params.subarray(offset, offset + n)) };
    offset += n;
  }
  tensors['optimizer.m'] = { dtype: 'F32', shape: [size], data: f32Bytes(c.m) };
  tensors['optimizer.v'] = { dtype: 'F32', shape: [size], data: f32Bytes(c.v) };
  if (c.ema) {
    if (c.ema.length !== size) throw new Error(`The checkpoint's EMA (${c.ema.length} values) does not match the layout (${size} values).`);
    tensors.ema = { dtype: 'F32', shape: [size], data: f32Bytes(c.ema) };
  }
  const state = { version: FORMAT_VERSION, step: c.step, layout: c.layout, rng: c.rng, data: c.data, monitor: c.monitor, config: c.config, baseModel: c.baseModel };
  const { head, chunks } = layoutSafetensors(tensors, { [STATE_KEY]: JSON.stringify(state), format: 'pt' });
  writeFileAtomic(path, [head, ...chunks]);
}

function readF32(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function readCheckpoint(path: string): TrainingCheckpoint {
  const file = parseSafetensors(new Uint8Array(readFileSync(path)), path);
  const raw = file.metadata[STATE_KEY];
  if (!raw) throw new Error(`${path} is a safetensors file but not a LoRA Studio training checkpoint (no training state). Resume from a checkpoints/step-*.safetensors file.`);
  const { version, ...state } = JSON.parse(raw) as Omit<TrainingCheckpoint, 'params' | 'm' | 'v' | 'ema'> & { version: number };
  if (version !== FORMAT_VERSION) throw new Error(`${path} has checkpoint format ${version}; this version of LoRA Studio reads format ${FORMAT_VERSION}.`);
  const size = state.layout.reduce((n, s) => n + s.shape.reduce((a, d) => a * d, 1), 0);
  const params = new Float32Array(size);
  let offset = 0;
  for (const slot of state.layout) {
    const t = readF32(file.tensorBytes(slot.name));
    params.set(t, offset);
    offset += t.length;
  }
  const ema = file.tensors.some((t) => t.name === 'ema') ? readF32(file.tensorBytes('ema')) : undefined;
  return { ...state, params, m: readF32(file.tensorBytes('optimizer.m')), v: readF32(file.tensorBytes('optimizer.v')), ...(ema ? { ema } : {}) };
}

/** Checkpoints of a run, oldest first (temporary files of an interrupted write are ignored). */
export function listCheckpoints(dir: string): { step: number; path: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^step-(\d+)\.safetensors$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => a.step - b.step);
}

/** The newest checkpoint that reads back completely. */
export function latestCheckpoint(dir: string): TrainingCheckpoint | undefined {
  for (const c of listCheckpoints(dir).reverse()) {
    try {
      return readCheckpoint(c.path);
    } catch {
      // An unreadable file can only come from outside tampering (writes are atomic); fall back to an older one.
    }
  }
  return undefined;
}
