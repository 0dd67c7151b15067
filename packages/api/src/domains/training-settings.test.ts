import { describe, expect, it } from 'vitest';
import { outOfRangeMessage, trainingLimits, trainingOverridesSchema } from './training-settings';

describe('the Train form overrides', () => {
  it('refuse a value outside its range with the sentence the trainer uses too', () => {
    const r = trainingOverridesSchema.safeParse({ lr: 0.5, batchSize: 2.5 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['lr', 'learning rate must be above 0 and at most 0.01 (got 0.5); the guide uses 5e-5–4e-4 depending on the LoRA type.'],
      ['batchSize', outOfRangeMessage(trainingLimits.batchSize, 2.5)],
    ]);
  });

  it('take the values FLUX.2 recipes use, and nothing the trainer alone would set', () => {
    expect(trainingOverridesSchema.safeParse({ lr: 4e-4, rank: 64, alpha: 32, resolution: 1024, steps: 2000, scheduler: 'cosine-with-restarts' }).success).toBe(true);
    expect(trainingOverridesSchema.safeParse({ beta1: 0.9 }).success).toBe(false);
    expect(trainingOverridesSchema.safeParse({ mode: 'full' }).success).toBe(false);
  });

  it('name a text where a number belongs', () => {
    const r = trainingOverridesSchema.safeParse({ steps: '500' });
    expect(r.error?.issues[0]?.message).toBe('steps must be a whole number from 1 to 100000 (got "500"); the guide suggests images × 100, typically 500–2000.');
  });

  it('take an adapter type and LoKr factor, naming what is allowed otherwise', () => {
    expect(trainingOverridesSchema.safeParse({ adapter: 'lokr', lokrFactor: -1 }).success).toBe(true);
    expect(trainingOverridesSchema.safeParse({ adapter: 'dora' }).error?.issues[0]?.message).toBe('adapter must be one of lora, lokr, loha (got "dora").');
    expect(trainingOverridesSchema.safeParse({ lokrFactor: 0 }).error?.issues[0]?.message).toBe(outOfRangeMessage(trainingLimits.lokrFactor, 0));
  });
});
