import { describe, expect, it } from 'vitest';
import { ConceptLoss } from './concept-loss';

describe('ConceptLoss', () => {
  it('averages the rows that are not preserved, across micro-batches', () => {
    const c = new ConceptLoss();
    c.add(Float32Array.from([0.5, 0.01, 0.7]), [1]);
    c.add(Float32Array.from([0.02, 0.3]), [0]);
    expect(c.mean(0.123)).toBeCloseTo((0.5 + 0.7 + 0.3) / 3, 6);
  });

  it('is null when every row was preserved, and the step loss when the graph gave no rows', () => {
    const all = new ConceptLoss();
    all.add(Float32Array.from([0.01, 0.02]), [0, 1]);
    expect(all.mean(0.015)).toBeNull();
    const none = new ConceptLoss();
    none.add(null, []);
    expect(none.mean(0.42)).toBe(0.42);
  });
});
