// A checkpoint file with a real header and a sparse (all-zero, no disk blocks) data section: lets tests and
// benchmarks open and build graphs for multi-GB configs without the weights.
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { Flux2Config } from './config';
import { flux2WeightSpecs } from './weights';

export function writeSparseFlux2Checkpoint(path: string, config: Flux2Config, dtype: 'BF16' | 'F16' | 'F32' = 'BF16'): number {
  const bytes = dtype === 'F32' ? 4 : 2;
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const spec of flux2WeightSpecs(config)) {
    const length = spec.shape.reduce((a, b) => a * b, 1) * bytes;
    header[spec.name] = { dtype, shape: spec.shape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head);
    ftruncateSync(fd, head.length + offset);
  } finally {
    closeSync(fd);
  }
  return head.length + offset;
}
