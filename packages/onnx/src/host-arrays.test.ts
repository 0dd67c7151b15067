import { describe, expect, it } from 'vitest';
import { joinArrays, repeatArray } from './host-arrays';

describe('host arrays', () => {
  it('joins parts back to back, empty parts included', () => {
    const joined = joinArrays([Float32Array.of(1, 2), new Float32Array(0), Float32Array.of(3)]);
    expect(Array.from(joined)).toEqual([1, 2, 3]);
  });

  it('copies, so changing the result leaves the parts alone', () => {
    const part = Float32Array.of(1, 2);
    const joined = joinArrays([part]);
    joined[0] = 9;
    expect(part[0]).toBe(1);
  });

  it('repeats an array once per row, and gives an empty array for no rows', () => {
    expect(Array.from(repeatArray(Float32Array.of(4, 5), 3))).toEqual([4, 5, 4, 5, 4, 5]);
    expect(repeatArray(Float32Array.of(4, 5), 0).length).toBe(0);
  });
});
