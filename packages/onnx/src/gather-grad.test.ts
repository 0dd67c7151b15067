// The gradient of a gathered table (embeddings) with many repeated indices, as pretraining's text encoder has it,
// on two intra-op threads: onnxruntime's ScatterND with reduction 'add' gave a different, wrong sum on every run.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { gradients } from './autodiff';
import { Graph } from './graph';
import * as op from './ops';
import { serializeGraph } from './serialize';
import { createSession } from './session';

describe('gather gradient', () => {
  it('is the exact sum of the rows of each index on two threads, the same on every run', async () => {
    // A batch of 16 captions of 160 bytes each over a 256-row table: every row is hit many times.
    const [V, D, B, T] = [256, 128, 16, 160];
    const g = new Graph('gather-grad');
    const table = g.input('table', 'float32', [V, D]);
    const idx = g.input('idx', 'int64', [B, T]);
    const dy = g.input('dy', 'float32', [B, T, D]);
    const [grad] = gradients(op.reduceSum(op.mul(op.gather(table, idx, 0), dy)), [table]);
    g.output(grad!, 'grad');
    const indices = BigInt64Array.from({ length: B * T }, (_, i) => BigInt((i * 7919) % 97));
    const up = Float32Array.from({ length: B * T * D }, (_, i) => Math.sin(i * 0.37));
    const expected = new Float64Array(V * D);
    indices.forEach((row, i) => { for (let d = 0; d < D; d++) expected[Number(row) * D + d]! += up[i * D + d]!; });
    const session = await createSession(serializeGraph(g), { providers: ['cpu'], threads: 2 });
    try {
      const feeds = { table: new ort.Tensor('float32', new Float32Array(V * D), [V, D]), idx: new ort.Tensor('int64', indices, [B, T]), dy: new ort.Tensor('float32', up, [B, T, D]) };
      let first: Float32Array | undefined;
      for (let run = 0; run < 10; run++) {
        const got = (await session.run(feeds)).outputs.grad!.data as Float32Array;
        expect(got.reduce((worst, v, i) => Math.max(worst, Math.abs(v - expected[i]!)), 0)).toBeLessThan(1e-4);
        if (first) expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(first.buffer, first.byteOffset, first.byteLength))).toBe(true);
        first ??= Float32Array.from(got);
      }
    } finally {
      await session.release();
    }
  });
});
