import { describe, expect, it } from 'vitest';
import { DataOrder, START_POSITION, type DataPosition } from './data-order';

const entries = [
  { bucket: '64x64', repeats: 1 },
  { bucket: '64x64', repeats: 2 },
  { bucket: '48x80', repeats: 1 },
  { bucket: '64x64', repeats: 1 },
  { bucket: '48x80', repeats: 1 },
];

describe('DataOrder', () => {
  it('puts every image in each epoch as often as its repeats, one bucket per batch, full batches', () => {
    const order = new DataOrder(entries, 2, 42);
    const plan = order.epochPlan(0);
    for (const batch of plan) {
      expect(batch).toHaveLength(2);
      expect(new Set(batch.map((i) => entries[i]!.bucket)).size).toBe(1);
    }
    const counts = new Map<number, number>();
    for (const i of plan.flat()) counts.set(i, (counts.get(i) ?? 0) + 1);
    // 64x64 holds 4 draws (even: no top-up); 48x80 holds 2 draws.
    expect(Object.fromEntries(counts)).toEqual({ 0: 1, 1: 2, 2: 1, 3: 1, 4: 1 });
  });

  it('tops up a bucket’s last partial batch with images of the same bucket', () => {
    const plan = new DataOrder([{ bucket: 'a', repeats: 1 }, { bucket: 'a', repeats: 1 }, { bucket: 'a', repeats: 1 }], 2, 1).epochPlan(0);
    expect(plan).toHaveLength(2);
    expect(new Set(plan.flat()).size).toBe(3);
  });

  it('shuffles differently per epoch and per seed, identically for the same seed', () => {
    const many = Array.from({ length: 30 }, () => ({ bucket: 'a', repeats: 1 }));
    const a = new DataOrder(many, 1, 5);
    expect(a.epochPlan(0)).not.toEqual(a.epochPlan(1));
    expect(new DataOrder(many, 1, 6).epochPlan(0)).not.toEqual(a.epochPlan(0));
    expect(new DataOrder(many, 1, 5).epochPlan(1)).toEqual(a.epochPlan(1));
  });

  it('continues from a saved position exactly as an uninterrupted walk', () => {
    const walk = (order: DataOrder, from: DataPosition, n: number) => {
      const out: number[][] = [];
      let pos = from;
      for (let i = 0; i < n; i++) {
        const { entries: e, next } = order.take(pos);
        out.push(e);
        pos = next;
      }
      return { out, pos };
    };
    const full = walk(new DataOrder(entries, 2, 9), START_POSITION, 11).out;
    const first = walk(new DataOrder(entries, 2, 9), START_POSITION, 4);
    const saved = JSON.parse(JSON.stringify(first.pos)) as DataPosition;
    const rest = walk(new DataOrder(entries, 2, 9), saved, 7).out;
    expect([...first.out, ...rest]).toEqual(full);
  });
});
