// The frozen transformer quantized once (int8 or fp8, per output channel) into a safetensors file in the run's
// cache folder, named by a hash of the checkpoint's bytes: a later run or a resume reads it back, and a checkpoint
// changed on disk gets a new hash, so it is quantized again (the stale copy is removed).
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile, safetensorsHead, writeFileAtomic, type SafetensorsDtype } from '@lora-studio/onnx';
import type { Flux2Checkpoint } from './checkpoint';
import { flux2WeightSpecs } from './weights';
import { dequantizeRows, quantizeRows, type QuantizedFormat } from './quantize';

export interface QuantizedTensor {
  shape: number[];
  /** Byte range of the values: I8 / F8_E4M3 for quantized rows, F32 for the small 1-D weights kept as they are. */
  values: { path: string; offset: number; length: number; dtype: SafetensorsDtype };
  /** Byte range of the per-row F32 scales (quantized tensors only). */
  scale?: { path: string; offset: number; length: number };
}

export interface QuantizedBase {
  format: QuantizedFormat;
  path: string;
  /** sha256 of the checkpoint files the copy was made from. */
  checkpointHash: string;
  weights: Map<string, QuantizedTensor>;
  /** A weight as float32, dequantized (full fine-tuning and tests). */
  readFloat32(name: string): Float32Array;
  close(): void;
}

const STORED: Record<QuantizedFormat, SafetensorsDtype> = { int8: 'I8', fp8: 'F8_E4M3' };
const SCALE = '.scale_per_row';

/** sha256 of the checkpoint's files, read in 16 MiB chunks (a multi-GB checkpoint never sits in memory). */
export function checkpointHash(checkpoint: Flux2Checkpoint): string {
  const paths = [...new Set([...checkpoint.weights.values()].flatMap((w) => w.pieces.map((p) => p.path)))].sort();
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(16 * 2 ** 20);
  for (const path of paths) {
    const fd = openSync(path, 'r');
    try {
      for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }
  return hash.digest('hex');
}

/** The quantized copy for this checkpoint and format in `cacheDir`, made now if it is missing or stale. */
export function quantizedBase(checkpoint: Flux2Checkpoint, format: QuantizedFormat, cacheDir: string, hash = checkpointHash(checkpoint)): QuantizedBase {
  mkdirSync(cacheDir, { recursive: true });
  const name = `base-${format}-${hash.slice(0, 16)}.safetensors`;
  const path = join(cacheDir, name);
  if (!existsSync(path)) {
    writeQuantized(checkpoint, format, path, hash);
    // Copies of an earlier version of the checkpoint are never read again.
    for (const f of readdirSync(cacheDir)) if (f.startsWith(`base-${format}-`) && f.endsWith('.safetensors') && f !== name) unlinkSync(join(cacheDir, f));
  }
  return openQuantized(checkpoint, format, path, hash);
}

function writeQuantized(checkpoint: Flux2Checkpoint, format: QuantizedFormat, path: string, hash: string): void {
  const specs = flux2WeightSpecs(checkpoint.config);
  const layout: Record<string, { dtype: SafetensorsDtype; shape: number[] }> = {};
  for (const s of specs) {
    if (s.shape.length === 2) {
      layout[s.name] = { dtype: STORED[format], shape: [...s.shape] };
      layout[s.name + SCALE] = { dtype: 'F32', shape: [s.shape[0]!] };
    } else {
      layout[s.name] = { dtype: 'F32', shape: [...s.shape] };
    }
  }
  const { head } = safetensorsHead(layout, { format: `lora-studio-quantized-${format}`, checkpoint_sha256: hash });
  // Tensors are laid out in name order; each weight is read, quantized and written one at a time.
  const byName = new Map(specs.map((s) => [s.name, s]));
  const names = Object.keys(layout).sort();
  const chunk = function* (): Generator<Uint8Array> {
    yield head;
    let pending: { name: string; scale: Float32Array } | undefined;
    for (const n of names) {
      if (n.endsWith(SCALE)) {
        const scale = pending && pending.name + SCALE === n ? pending.scale : quantizeWeight(n.slice(0, -SCALE.length)).scale;
        yield new Uint8Array(scale.buffer, scale.byteOffset, scale.byteLength);
        continue;
      }
      const spec = byName.get(n)!;
      if (spec.shape.length !== 2) {
        const f = checkpoint.readFloat32(n);
        yield new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
        continue;
      }
      const q = quantizeWeight(n);
      pending = { name: n, scale: q.scale };
      yield q.values;
    }
  };
  const quantizeWeight = (n: string) => quantizeRows(format, checkpoint.readFloat32(n), byName.get(n)!.shape[0]!);
  writeFileAtomic(path, chunk());
}

function openQuantized(checkpoint: Flux2Checkpoint, format: QuantizedFormat, path: string, hash: string): QuantizedBase {
  const file = SafetensorsFile.open(path);
  try {
    if (file.metadata.checkpoint_sha256 !== hash) throw new Error(`${path} was made from another checkpoint; delete it and start the run again.`);
    const weights = new Map<string, QuantizedTensor>();
    for (const s of flux2WeightSpecs(checkpoint.config)) {
      const info = file.info(s.name);
      weights.set(s.name, {
        shape: [...s.shape],
        values: { ...file.location(s.name), dtype: info.dtype },
        scale: s.shape.length === 2 ? file.location(s.name + SCALE) : undefined,
      });
    }
    return {
      format, path, checkpointHash: hash, weights,
      readFloat32(name) {
        const w = weights.get(name);
        if (!w) throw new Error(`The quantized base has no weight "${name}".`);
        const bytes = file.readBytes(name);
        if (!w.scale) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        const scaleBytes = file.readBytes(name + SCALE);
        return dequantizeRows(format, { values: bytes, scale: new Float32Array(scaleBytes.buffer.slice(scaleBytes.byteOffset, scaleBytes.byteOffset + scaleBytes.byteLength)) });
      },
      close: () => file.close(),
    };
  } catch (error) {
    file.close();
    throw error;
  }
}
