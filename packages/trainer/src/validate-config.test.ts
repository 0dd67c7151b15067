import { schedulers, trainingLimits, trainingOverridesSchema, type SettingRange, type TrainingOverrides } from '@lora-studio/api';
import { describe, expect, it } from 'vitest';
import type { TrainingConfig } from './config';
import { presetConfig } from './presets';
import { configProblems } from './validate-config';

// The API checks the Train form's overrides, the trainer the resolved config: both read the one settings schema,
// so a value one side accepts the other accepts too. Each range is probed at and just beyond its edges.

/** A config whose cross-setting rules never bind: the longest run, so every warmup fits, and no warmup of its own. */
const base: TrainingConfig = { ...presetConfig({ type: 'subject', trigger: 'sks', imageCount: 20, model: { nativeResolution: 1024, small: false } }), steps: trainingLimits.steps.max, warmupSteps: 0 };

function probes(range: SettingRange): unknown[] {
  const step = range.whole ? 1 : Math.max(1e-9, (range.max - range.min) * 1e-6);
  const values: unknown[] = [range.min, range.min - step, range.max, range.max + step, (range.min + range.max) / 2, NaN, Infinity, '1', null];
  if (range.whole) values.push(range.min + 0.5);
  return values;
}

const apiAccepts = (overrides: Record<string, unknown>) => trainingOverridesSchema.safeParse(overrides).success;
// Size multiple 1: the model-specific multiple is the trainer's own rule and is tested below.
const trainerAccepts = (overrides: Record<string, unknown>) => configProblems({ ...base, ...overrides } as TrainingConfig, { sizeMultiple: 1 }).length === 0;

const overrideKeys = Object.keys(trainingOverridesSchema.shape) as (keyof TrainingOverrides)[];

describe('one set of limits for the API and the trainer', () => {
  for (const key of overrideKeys.filter((k): k is keyof TrainingOverrides & keyof typeof trainingLimits => k in trainingLimits)) {
    it(`${key}: both accept and refuse the same values`, () => {
      for (const value of probes(trainingLimits[key])) {
        const override = { [key]: value };
        expect([value, trainerAccepts(override)]).toEqual([value, apiAccepts(override)]);
      }
    });
  }

  it('accepts the edges and refuses just beyond them (a range is really enforced)', () => {
    expect(apiAccepts({ lr: trainingLimits.lr.max })).toBe(true);
    expect(apiAccepts({ lr: trainingLimits.lr.max * 1.01 })).toBe(false);
    expect(apiAccepts({ lr: 0 })).toBe(false);
    expect(trainerAccepts({ alpha: trainingLimits.alpha.max })).toBe(true);
    expect(trainerAccepts({ alpha: trainingLimits.alpha.max + 1 })).toBe(false);
  });

  it('choices, words and lists agree too', () => {
    const cases: Record<string, unknown>[] = [
      ...schedulers.map((scheduler) => ({ scheduler })), { scheduler: 'exponential' },
      { type: 'style' }, { type: 'person' },
      { targets: 'attention' }, { targets: 'all-linear' }, { targets: ['double_blocks.0.img_attn.qkv'] }, { targets: [] }, { targets: 'mlp' },
      { trigger: 'sks' }, { trigger: 'two words' }, { trigger: 'x' },
      { samplePrompts: [] }, { samplePrompts: ['a photo of sks'] }, { samplePrompts: ['  '] }, { samplePrompts: Array(17).fill('a sks') },
      { sampleSeeds: [0, 0xffff_ffff] }, { sampleSeeds: [] }, { sampleSeeds: [-1] }, { sampleSeeds: Array(17).fill(1) },
      { tagShuffle: true }, { flip: 'yes' },
    ];
    for (const c of cases) expect([c, trainerAccepts(c)]).toEqual([c, apiAccepts(c)]);
  });
});

describe('rules only the trainer can check', () => {
  it('warmup ends before the last step', () => {
    expect(configProblems({ ...base, steps: 100, warmupSteps: 100 })).toEqual([expect.stringMatching(/warmup steps must end before the last step: at most 99 for 100 steps/)]);
    expect(configProblems({ ...base, steps: 100, warmupSteps: 99 })).toEqual([]);
  });

  it("the resolution fits the model's patches", () => {
    expect(configProblems({ ...base, resolution: 1000 }, { sizeMultiple: 16 })).toEqual([expect.stringMatching(/resolution must be a multiple of 16 for this model \(got 1000\)/)]);
    expect(configProblems({ ...base, resolution: 16 }, { sizeMultiple: 16 })).toEqual([expect.stringMatching(/resolution must be at least 32 for this model/)]);
    expect(configProblems({ ...base, resolution: 16 }, { sizeMultiple: 4 })).toEqual([]);
  });

  it('says each problem once, with the range and what to do', () => {
    const problems = configProblems({ ...base, batchSize: -1.5, lr: 1 });
    expect(problems).toEqual([
      expect.stringMatching(/^learning rate must be above 0 and at most 0\.01 \(got 1\); the guide uses 5e-5–4e-4/),
      expect.stringMatching(/^batch size must be a whole number from 1 to 64 \(got -1\.5\)/),
    ]);
  });
});
