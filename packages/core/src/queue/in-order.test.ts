import { describe, expect, it } from 'vitest';
import { mapInOrder } from './in-order';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapInOrder', () => {
  it('keeps the input order with at most `limit` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapInOrder([5, 1, 4, 2, 3, 0], 3, async (ms, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await tick(ms * 3);
      inFlight--;
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0']);
    expect(most).toBe(3);
  });

  it('rejects with the first failure and starts nothing new after it', async () => {
    const started: number[] = [];
    await expect(mapInOrder([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      await tick(2);
      if (n === 1) throw new Error('bucket refused 1');
      return n;
    })).rejects.toThrow('bucket refused 1');
    await tick(20);
    expect(started.length).toBeLessThanOrEqual(3);
  });

  it('handles no items', async () => {
    expect(await mapInOrder([], 4, async () => 1)).toEqual([]);
  });
});
