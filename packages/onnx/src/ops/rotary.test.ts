import { describe, expect, it } from 'vitest';
import { createSession, hostTensor } from '../session';
import { Graph } from '../graph';
import { serializeGraph } from '../serialize';
import { seededValues } from '../gradcheck';
import { cos, sin } from './elementwise';
import { rotaryEmbedding } from './rotary';

// (x0, x1) → (x0·cos − x1·sin, x0·sin + x1·cos) per pair, written out in plain JS.
function rotated(x: Float64Array, angles: Float64Array, [B, H, T, d]: number[]): Float64Array {
  const out = new Float64Array(x.length);
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let t = 0; t < T; t++) for (let k = 0; k < d / 2; k++) {
    const i = ((b * H + h) * T + t) * d + 2 * k;
    const a = angles[(b * T + t) * (d / 2) + k]!;
    out[i] = x[i]! * Math.cos(a) - x[i + 1]! * Math.sin(a);
    out[i + 1] = x[i]! * Math.sin(a) + x[i + 1]! * Math.cos(a);
  }
  return out;
}

describe('rotaryEmbedding', () => {
  const shape = [2, 3, 5, 8];
  const x = seededValues(2 * 3 * 5 * 8, 1);
  const angles = seededValues(2 * 5 * 4, 2).map((v) => 3 * v);
  const expected = rotated(x, angles, shape);

  for (const [dtype, dims, tolerance] of [
    ['float64', [2, 5], 1e-12], ['float32', [2, 5], 1e-6], ['float32', ['batch', 'tokens'], 1e-6],
  ] as const) {
    it(`rotates each pair by its token's angle (${dtype}, ${typeof dims[0] === 'number' ? 'numeric' : 'named'} batch and tokens)`, async () => {
      const g = new Graph('rope');
      const xi = g.input('x', dtype, [dims[0], 3, dims[1], 8]);
      const ai = g.input('angles', dtype, [dims[0], dims[1], 4]);
      g.output(rotaryEmbedding(xi, cos(ai), sin(ai)), 'y');
      const session = await createSession(serializeGraph(g), { providers: ['cpu'], threads: 1 });
      const conv = (v: Float64Array) => (dtype === 'float64' ? v : Float32Array.from(v));
      const { outputs } = await session.run({ x: hostTensor(dtype, shape, conv(x)), angles: hostTensor(dtype, [2, 5, 4], conv(angles)) });
      await session.release();
      const y = outputs.y!.data as Float64Array | Float32Array;
      let worst = 0;
      for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i]! - expected[i]!));
      expect(y.length).toBe(expected.length);
      expect(worst).toBeLessThan(tolerance);
    });
  }
});
