import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@lora-studio/onnx';
import { TrainingRandom } from './rng';

describe('TrainingRandom', () => {
  it('repeats the same stream from the same seed and differs across seeds', () => {
    const a = TrainingRandom.fromSeed(7);
    const b = TrainingRandom.fromSeed(7);
    const c = TrainingRandom.fromSeed(8);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('continues exactly from a saved state, through JSON', () => {
    const a = TrainingRandom.fromSeed(123);
    for (let i = 0; i < 17; i++) a.normal();
    const saved = JSON.parse(JSON.stringify(a.state()));
    const expected = [a.uniform(), a.normal(), a.int(10), a.nextUint32()];
    const b = TrainingRandom.fromState(saved);
    expect([b.uniform(), b.normal(), b.int(10), b.nextUint32()]).toEqual(expected);
  });

  it('draws uniforms in [0, 1) and normals with mean 0 and variance 1', () => {
    const r = TrainingRandom.fromSeed(1);
    const n = 20000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      const z = r.normal();
      sum += z;
      sumSq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.05);
  });

  it('is the engine\'s seeded generator underneath: the same 32-bit draws for the same seed', () => {
    const training = TrainingRandom.fromSeed(1234);
    const plain = new SeededRandom(1234);
    expect(Array.from({ length: 8 }, () => training.nextUint32())).toEqual(Array.from({ length: 8 }, () => plain.nextUint32()));
  });

  it('shuffles into a permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = TrainingRandom.fromSeed(3).shuffle([...items]);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
  });

  it('rejects a state that is not one', () => {
    expect(() => TrainingRandom.fromState({ s: [0, 0, 0, 0] })).toThrow(/all zeros/);
    expect(() => TrainingRandom.fromState({ s: [1, 2, 3] } as never)).toThrow(/Not a random generator state/);
  });
});
