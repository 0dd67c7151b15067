// The text encoder's word path: every word of a prompt gets a bucket of a fixed hash table, and each byte of the
// word carries that bucket's id. Names are what the byte path found hard to learn ("tulip" and "tiger" differ in
// a few bytes but are different pictures); one learned vector per word makes a name one lookup away. Hashing
// instead of a word list means any string still has an encoding: an unseen trigger word ("sks", "flt") gets a
// bucket too, and the byte path still tells apart words that share one.

/**
 * Word bytes: ASCII letters, digits, apostrophe and hyphen ("medium-dark" is one word), and every byte of a
 * non-ASCII character (so "piñata" or an emoji character is one word). Anything else separates words.
 */
function isWordByte(v: number): boolean {
  return v >= 0x80 || (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5a) || (v >= 0x61 && v <= 0x7a) || v === 0x27 || v === 0x2d;
}

/** FNV-1a (32 bit) of the word with ASCII letters lower-cased, so "Apple" and "apple" share a bucket. */
function wordHash(bytes: ArrayLike<bigint>, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    let v = Number(bytes[i]!);
    if (v >= 0x41 && v <= 0x5a) v += 0x20;
    h = Math.imul(h ^ v, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Word bucket of each byte of `bytes` (int64 [B, maxBytes], as promptBytes makes them, zero-padded): buckets
 * 1..buckets-1 for bytes inside a word, 0 for separators and padding. Same shape as `bytes`.
 */
export function wordBucketIds(bytes: BigInt64Array, maxBytes: number, buckets: number): BigInt64Array {
  if (!Number.isInteger(buckets) || buckets < 2) throw new Error(`wordBuckets must be a whole number ≥ 2 (got ${buckets}).`);
  const out = new BigInt64Array(bytes.length);
  for (let row = 0; row < bytes.length; row += maxBytes) {
    let i = row;
    while (i < row + maxBytes) {
      if (!isWordByte(Number(bytes[i]!))) { i++; continue; }
      let end = i;
      while (end < row + maxBytes && isWordByte(Number(bytes[end]!))) end++;
      const id = BigInt(1 + (wordHash(bytes, i, end) % (buckets - 1)));
      out.fill(id, i, end);
      i = end;
    }
  }
  return out;
}
