// The trainer's random stream: noise, timesteps, caption dropout and flips all draw from it, and its four-word state
// goes into every checkpoint so a resumed run draws exactly the same numbers. The generator is the engine's
// SeededRandom; this adds saving and restoring its state, finer uniforms, integers and shuffling.
import { SeededRandom, seedWords } from '@lora-studio/onnx';

export interface RandomState {
  s: [number, number, number, number];
}

export class TrainingRandom extends SeededRandom {
  private constructor(words: ArrayLike<number>) {
    super(words);
    if (this.s.every((w) => w === 0)) throw new Error('A random state of all zeros never changes; seed the generator instead.');
  }

  /** Any safe integer seed: its high bits are folded into the 32 the generator is seeded with. */
  static fromSeed(seed: number): TrainingRandom {
    if (!Number.isSafeInteger(seed)) throw new Error(`A seed must be an integer (got ${seed}).`);
    return new TrainingRandom(seedWords((seed >>> 0) ^ Math.floor(seed / 4294967296)));
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

  /** Uniform in [0, 1) with 53 random bits (a double's full precision), from two draws. */
  override uniform(): number {
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
