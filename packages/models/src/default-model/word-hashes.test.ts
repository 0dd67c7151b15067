import { describe, expect, it } from 'vitest';
import { promptIds, type TextEncoderConfig } from './text-encoder';
import { wordBucketIds } from './word-hashes';

const config: TextEncoderConfig = { maxBytes: 32, width: 16, heads: 2, layers: 1, mlpRatio: 2, mergeBytes: 4, contextDim: 24, wordBuckets: 64, wordScale: 1 };
const row = (ids: BigInt64Array, b: number) => Array.from(ids.subarray(b * config.maxBytes, (b + 1) * config.maxBytes), Number);

describe('hashed word ids of a prompt', () => {
  it('gives every byte of a word its word bucket, and separators and padding bucket 0', () => {
    const { words } = promptIds(['red apple, top-left'], config);
    const ids = row(words!, 0);
    const red = ids[0]!;
    const apple = ids[4]!;
    const topLeft = ids[11]!;
    expect(ids.slice(0, 19)).toEqual([red, red, red, 0, apple, apple, apple, apple, apple, 0, 0, ...Array(8).fill(topLeft)]);
    expect(ids.slice(19)).toEqual(Array(13).fill(0));
    for (const id of [red, apple, topLeft]) expect(id).toBeGreaterThanOrEqual(1);
    expect(new Set([red, apple, topLeft]).size).toBe(3);
  });

  it('is the same for the same word wherever it stands, in any letter case', () => {
    const { words } = promptIds(['sks dog', 'a SKS', 'flt'], config);
    expect(row(words!, 1)[2]).toBe(row(words!, 0)[0]);
    expect(row(words!, 2)[0]).not.toBe(0); // an unseen trigger word still has a bucket
    expect(promptIds(['sks dog'], config).words).toEqual(promptIds(['sks dog'], config).words);
  });

  it('keeps a non-ASCII word whole and follows the byte cut of a long prompt', () => {
    const { bytes, words, truncated } = promptIds(['piñata 🍎', `${'x'.repeat(31)}é`], config);
    const first = row(words!, 0);
    expect(first.slice(0, 7)).toEqual(Array(7).fill(first[0])); // "piñata" is 7 bytes
    expect(first[7]).toBe(0);
    expect(first.slice(8, 12)).toEqual(Array(4).fill(first[8])); // the apple emoji is one 4-byte word
    expect(truncated).toEqual([1]);
    expect(row(words!, 1)[31]).toBe(0); // the cut é is neither a byte nor a word
    expect(row(bytes, 1)[31]).toBe(0);
  });

  it('has no word path for a bytes-only encoder and refuses a table too small to hash into', () => {
    expect(promptIds(['a'], { ...config, wordBuckets: undefined }).words).toBeUndefined();
    expect(() => wordBucketIds(new BigInt64Array(4), 4, 1)).toThrow(/wordBuckets/);
  });
});
