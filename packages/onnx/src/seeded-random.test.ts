import { describe, expect, it } from 'vitest';
import { seededValues } from './gradcheck';
import { SeededRandom, seedWords } from './seeded-random';

describe('SeededRandom', () => {
  const draws = (rng: SeededRandom, n = 6) => Array.from({ length: n }, () => rng.nextUint32());

  it('draws the same stream for the same seed and another for another seed, seed 0 included', () => {
    expect(draws(new SeededRandom(7))).toEqual(draws(new SeededRandom(7)));
    expect(draws(new SeededRandom(7))).not.toEqual(draws(new SeededRandom(8)));
    expect(new Set(draws(new SeededRandom(0))).size).toBe(6);
  });

  it('starts from state words as from the seed they came from', () => {
    expect(draws(new SeededRandom(seedWords(42)))).toEqual(draws(new SeededRandom(42)));
  });

  it('fills uniforms within their bounds and standard normals with mean 0 and variance 1', () => {
    const rng = new SeededRandom(3);
    const u = new Float64Array(4000);
    rng.fillUniform(u, -1, 1);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u)).toBeLessThan(1);
    const n = new Float64Array(20000);
    rng.fillNormal(n);
    const mean = n.reduce((s, x) => s + x, 0) / n.length;
    const variance = n.reduce((s, x) => s + (x - mean) ** 2, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('gives test data in [-1, 1) that is the same on every call', () => {
    const v = seededValues(500, 11);
    expect(Array.from(v)).toEqual(Array.from(seededValues(500, 11)));
    expect(v.every((x) => x >= -1 && x < 1)).toBe(true);
  });
});
