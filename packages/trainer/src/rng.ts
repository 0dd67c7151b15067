// The trainer's random stream (xoshiro128**): noise, timesteps, caption dropout and flips all draw from it,
// and its four-word state goes into every checkpoint so a resumed run draws exactly the same numbers.

export interface RandomState {
  s: [number, number, number, number];
}

export class TrainingRandom {
  private readonly s: Uint32Array;

  private constructor(words: ArrayLike<number>) {
    this.s = Uint32Array.from(words);
    if (this.s.every((w) => w === 0)) throw new Error('A random state of all zeros never changes; seed the generator instead.');
  }

  /** splitmix32 spreads any integer seed (also 0) over the four state words. */
  static fromSeed(seed: number): TrainingRandom {
    if (!Number.isSafeInteger(seed)) throw new Error(`A seed must be an integer (got ${seed}).`);
    let x = (seed >>> 0) ^ Math.floor(seed / 4294967296);
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    return new TrainingRandom([next(), next(), next(), next()]);
  }

  static fromState(state: RandomState): TrainingRandom {
    if (!Array.isArray(state?.s) || state.s.length !== 4 || !state.s.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
      throw new Error(`Not a random generator state: ${JSON.stringify(state)}.`);
    }
    return new TrainingRandom(state.s);
  }

  state(): RandomState {
    return { s: [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!] };
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) throw new Error(`int(n) needs 1 ≤ n ≤ 2^32 (got ${n}).`);
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Standard normal by Box–Muller; the second value is discarded so the state alone describes the stream. */
  normal(): number {
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  fillNormal(out: Float32Array | Float64Array): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  /** Fisher–Yates in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
