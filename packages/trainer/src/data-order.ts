// Which images go into which batch, as a pure function of (seed, epoch): a resumed run only needs the
// position (epoch, batch) to continue with exactly the batches an uninterrupted run would have drawn.
import { TrainingRandom } from './rng';

export interface DataPosition {
  epoch: number;
  /** Index of the next batch within the epoch's plan. */
  batch: number;
}

export interface OrderedEntry {
  /** Aspect-ratio bucket key: a batch only mixes images of one bucket, because a graph has static shapes. */
  bucket: string;
  /** How many times the entry appears per epoch (the image's repeats). */
  repeats: number;
}

export const START_POSITION: DataPosition = { epoch: 0, batch: 0 };

export class DataOrder {
  private cached: { epoch: number; plan: number[][] } | undefined;

  constructor(
    private readonly entries: readonly OrderedEntry[],
    readonly batchSize: number,
    private readonly seed: number,
  ) {
    if (entries.length === 0) throw new Error('There are no images to order; the dataset is empty.');
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`Batch size must be a positive integer (got ${batchSize}).`);
    for (const e of entries) {
      if (!Number.isInteger(e.repeats) || e.repeats < 1) throw new Error(`Repeats must be a positive integer (got ${e.repeats}).`);
    }
  }

  /**
   * The batches of one epoch: every entry appears `repeats` times in a seeded shuffle; batches are filled per
   * bucket in shuffled order; a bucket's last partial batch is topped up with that bucket's first entries
   * of the epoch so no image is skipped and every batch has the full size.
   */
  epochPlan(epoch: number): number[][] {
    if (this.cached?.epoch === epoch) return this.cached.plan;
    const rng = TrainingRandom.fromSeed(mixSeed(this.seed, epoch));
    const expanded: number[] = [];
    this.entries.forEach((e, i) => {
      for (let r = 0; r < e.repeats; r++) expanded.push(i);
    });
    rng.shuffle(expanded);
    const plan: number[][] = [];
    const pending = new Map<string, number[]>();
    const seen = new Map<string, number[]>();
    for (const i of expanded) {
      const bucket = this.entries[i]!.bucket;
      if (!seen.has(bucket)) seen.set(bucket, []);
      seen.get(bucket)!.push(i);
      const open = pending.get(bucket) ?? [];
      open.push(i);
      if (open.length === this.batchSize) {
        plan.push(open);
        pending.delete(bucket);
      } else pending.set(bucket, open);
    }
    for (const [bucket, open] of pending) {
      const pool = seen.get(bucket)!;
      for (let k = 0; open.length < this.batchSize; k++) open.push(pool[k % pool.length]!);
      plan.push(open);
    }
    this.cached = { epoch, plan };
    return plan;
  }

  /** The batch at `position` and the position after it. */
  take(position: DataPosition): { entries: number[]; next: DataPosition } {
    const plan = this.epochPlan(position.epoch);
    if (position.batch >= plan.length) return this.take({ epoch: position.epoch + 1, batch: 0 });
    const entries = plan[position.batch]!;
    const next = position.batch + 1 < plan.length ? { epoch: position.epoch, batch: position.batch + 1 } : { epoch: position.epoch + 1, batch: 0 };
    return { entries, next };
  }
}

/** Distinct, well-spread seeds per epoch from one user seed. */
function mixSeed(seed: number, epoch: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x2c1b3c6d) >>> 0;
  return (z ^ (z >>> 13)) >>> 0;
}
