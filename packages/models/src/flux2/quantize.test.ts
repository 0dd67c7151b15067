// Per-channel int8 / fp8 quantization of frozen weights: every value within its format's bound (random and
// outlier-heavy rows), onnxruntime's DequantizeLinear agreeing with ours, and the cached quantized copy
// re-made when the checkpoint changes on disk.
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph, createSession, f32ToBf16, serializeGraph, writeSafetensorsFile, type TensorToWrite, SeededRandom } from '@lora-studio/onnx';
import { flux2Preset } from './config';
import { openFlux2Checkpoint } from './checkpoint';
import { addFlux2Weights, flux2WeightSession } from './graph-weights';
import { quantizedBase } from './quantized-base';
import { dequantizeRows, quantizationBound, quantizeRows, type QuantizedFormat } from './quantize';
import { randomFlux2Weights } from './random-weights';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flux2-quantize-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tensors(rows: number, cols: number): Record<string, Float32Array> {
  const rng = new SeededRandom(5);
  const random = rng.fillNormal(new Float32Array(rows * cols)) as Float32Array;
  // Outlier-heavy: a few values per row 100–1000× the rest (as in real attention and MLP weights), and one row all zero.
  const outliers = Float32Array.from(random, (v, i) => (i % 97 === 0 ? v * 300 + Math.sign(v) * 100 : v * 0.01));
  outliers.fill(0, 0, cols);
  return { random, outliers };
}

describe('per-channel quantization', () => {
  for (const format of ['int8', 'fp8'] as QuantizedFormat[]) {
    it(`${format}: every value dequantizes within the format's bound, on random and outlier-heavy rows`, () => {
      const rows = 16;
      const cols = 200;
      for (const [kind, data] of Object.entries(tensors(rows, cols))) {
        const q = quantizeRows(format, data, rows);
        const back = dequantizeRows(format, q);
        for (let r = 0; r < rows; r++) {
          let worst = 0;
          for (let i = r * cols; i < (r + 1) * cols; i++) worst = Math.max(worst, Math.abs(back[i]! - data[i]!) / quantizationBound(format, data[i]!, q.scale[r]!));
          expect(worst, `${kind} row ${r}`).toBeLessThanOrEqual(1 + 1e-6);
        }
        // The row's largest magnitude is represented exactly (up to float32 rounding of the scale).
        const largest = data.subarray(cols, 2 * cols).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        const largestBack = back.subarray(cols, 2 * cols).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(Math.abs(largestBack - largest) / largest).toBeLessThan(1e-6);
      }
    });

    it(`${format}: onnxruntime's DequantizeLinear of the stored bytes gives the same float32 values`, async () => {
      const config = flux2Preset('flux2-toy');
      const path = join(dir, `ort-${format}`, 'transformer.safetensors');
      const checkpoint = writeCheckpoint(path, config, 1);
      const base = quantizedBase(checkpoint, format, join(dir, `ort-${format}`, 'cache'));
      try {
        const g = new Graph('dequantize');
        const weights = addFlux2Weights(g, config, 'float32', { kind: 'quantized', base });
        const name = 'double_blocks.0.img_attn.qkv.weight';
        g.output(weights.get(name)!, 'w');
        const stored = flux2WeightSession({ kind: 'quantized', base });
        const session = await createSession(serializeGraph(g, { externalDataFolder: stored.externalDataFolder }), { providers: ['cpu'], threads: 1, ...stored });
        const { outputs } = await session.run({});
        await session.release();
        expect(Buffer.from((outputs.w!.data as Float32Array).buffer).equals(Buffer.from(base.readFloat32(name).buffer))).toBe(true);
      } finally {
        base.close();
        checkpoint.close();
      }
    });
  }
});

function writeCheckpoint(path: string, config: ReturnType<typeof flux2Preset>, seed: number) {
  const out: Record<string, TensorToWrite> = {};
  for (const [k, t] of Object.entries(randomFlux2Weights(config, seed))) out[k] = { dtype: 'BF16', shape: t.shape, data: f32ToBf16(t.data) };
  rmSync(join(path, '..'), { recursive: true, force: true });
  mkdirSync(join(path, '..'), { recursive: true });
  writeSafetensorsFile(path, out);
  return openFlux2Checkpoint(path, { config });
}

describe('the quantized copy in the cache', () => {
  it('is made once, read back after, and made again when the checkpoint changes on disk', () => {
    const config = flux2Preset('flux2-toy');
    const path = join(dir, 'cached', 'transformer.safetensors');
    const cache = join(dir, 'cached', 'cache');
    let checkpoint = writeCheckpoint(path, config, 2);
    const first = quantizedBase(checkpoint, 'int8', cache);
    const made = statSync(first.path).mtimeMs;
    const w = first.readFloat32('img_in.weight');
    first.close();
    const again = quantizedBase(checkpoint, 'int8', cache);
    expect(again.path).toBe(first.path);
    expect(statSync(again.path).mtimeMs).toBe(made);
    again.close();
    checkpoint.close();

    // Change one weight's bytes in place (same size, as a tool editing the file would).
    checkpoint = openFlux2Checkpoint(path, { config });
    const piece = checkpoint.weights.get('img_in.weight')!.pieces[0]!;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(64, 0x3f), 0, 64, piece.byteOffset);
    closeSync(fd);
    const changed = quantizedBase(checkpoint, 'int8', cache);
    try {
      expect(changed.path).not.toBe(first.path);
      expect(changed.checkpointHash).not.toBe(first.checkpointHash);
      expect(Array.from(changed.readFloat32('img_in.weight').subarray(0, 8))).not.toEqual(Array.from(w.subarray(0, 8)));
      expect(readdirSync(cache)).toEqual([changed.path.split('/').pop()]);
    } finally {
      changed.close();
      checkpoint.close();
    }
  });
});
