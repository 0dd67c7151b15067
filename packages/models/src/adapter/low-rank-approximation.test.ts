import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@lora-studio/onnx';
import type { FactoredLayer } from './adapter-type';
import { adapterDelta, createAdapter } from './adapter-types';
import { lowRankApproximation } from './low-rank-approximation';

/** A 4 × 4 LoKr whose ΔW = kron(diag(3, 1), diag(2, 0.5)) has the singular values 6, 2, 1.5 and 0.5. */
const lokr: FactoredLayer = {
  kind: 'lokr', path: 'double_blocks.0.img_attn.proj', inDim: 4, outDim: 4, rank: 2, alpha: 2,
  tensors: { lokr_w1: { shape: [2, 2], data: Float32Array.from([3, 0, 0, 1]) }, lokr_w2: { shape: [2, 2], data: Float32Array.from([2, 0, 0, 0.5]) } },
};

describe('a LoKr or LoHa as LoRA pairs of a rank', () => {
  it('reaches the best error any rank-r matrix can (Eckart–Young: the dropped singular values)', () => {
    const total = 36 + 4 + 2.25 + 0.25;
    expect(lowRankApproximation(lokr, 1).relativeError).toBeCloseTo(Math.sqrt((4 + 2.25 + 0.25) / total), 6);
    expect(lowRankApproximation(lokr, 2).relativeError).toBeCloseTo(Math.sqrt((2.25 + 0.25) / total), 6);
    expect(lowRankApproximation(lokr, 4).relativeError).toBeLessThan(1e-6);
  });

  it('is exact for a LoHa at the rank its product reaches (r² ≤ 4 for r = 2)', () => {
    const adapter = createAdapter('loha', [{ path: 'single_blocks.0.linear2', inDim: 12, outDim: 8 }], { rank: 2, alpha: 2 }, 1);
    const layer = adapter.layers[0] as FactoredLayer;
    const rng = new SeededRandom(4);
    for (const t of Object.values(layer.tensors)) rng.fillNormal(t.data, 1);
    const { layer: pair, relativeError } = lowRankApproximation(layer, 4);
    expect(pair).toMatchObject({ rank: 4, inDim: 12, outDim: 8 });
    expect(relativeError).toBeLessThan(1e-6);
    expect(lowRankApproximation(layer, 2).relativeError).toBeGreaterThan(1e-3);
    const want = adapterDelta(layer);
    const got = adapterDelta(pair);
    expect(Math.max(...got.map((v, i) => Math.abs(v - want[i]!)))).toBeLessThan(1e-5 * Math.max(...want.map(Math.abs)));
  });
});
