import { describe, expect, it } from 'vitest';
import { presetCheckpointEvery, presetConfig, presetSteps } from './presets';
import { configProblems } from './validate-config';

const large = { nativeResolution: 1024, small: false };
const small = { nativeResolution: 64, small: true };

describe('presets', () => {
  it('steps = images × 100 clamped to 500–2000 (training guide §Presets)', () => {
    expect(presetSteps(3, large)).toBe(500);
    expect(presetSteps(12, large)).toBe(1200);
    expect(presetSteps(20, large)).toBe(2000);
    expect(presetSteps(80, large)).toBe(2000);
  });

  it('scales steps down for the small default model', () => {
    expect(presetSteps(20, small)).toBe(200);
    expect(presetSteps(3, small)).toBe(100);
    expect(presetSteps(400, small)).toBe(500);
  });

  it('checkpoints every 250–500 steps on long runs', () => {
    expect(presetCheckpointEvery(2000)).toBe(500);
    expect(presetCheckpointEvery(1200)).toBe(300);
    expect(presetCheckpointEvery(200)).toBe(50);
  });

  it('takes learning rate and scheduler from the LoRA type (training guide §Presets), rank 16, alpha = rank', () => {
    const subject = presetConfig({ type: 'subject', trigger: 'sks', imageCount: 20, model: large });
    const style = presetConfig({ type: 'style', trigger: 'flt', imageCount: 60, model: large });
    const object = presetConfig({ type: 'object', trigger: 'brd', imageCount: 15, model: large });
    expect([subject.scheduler, style.scheduler, object.scheduler]).toEqual(['cosine-with-restarts', 'constant-with-warmup', 'cosine']);
    expect(subject.lr).toBeGreaterThanOrEqual(1e-4);
    expect(subject.lr).toBeLessThanOrEqual(4e-4);
    expect(style.lr).toBeGreaterThanOrEqual(5e-5);
    expect(style.lr).toBeLessThanOrEqual(2e-4);
    expect(object.lr).toBeGreaterThanOrEqual(1e-4);
    expect(object.lr).toBeLessThanOrEqual(3e-4);
    expect([subject.rank, subject.alpha, subject.batchSize, subject.gradAccum]).toEqual([16, 16, 1, 4]);
    expect(subject.resolution).toBe(1024);
    for (const c of [subject, style, object]) expect(configProblems(c)).toEqual([]);
  });

  it('every preset for the small model is valid', () => {
    for (const type of ['subject', 'style', 'object'] as const) {
      expect(configProblems(presetConfig({ type, trigger: 'sks', imageCount: 20, model: small }), { sizeMultiple: 4 })).toEqual([]);
    }
  });
});

describe('config validation', () => {
  const good = presetConfig({ type: 'subject', trigger: 'sks', imageCount: 20, model: large });

  it('lists every out-of-range value with what to do', () => {
    const bad = { ...good, steps: 0, rank: 0, lr: -1, batchSize: 1.5, resolution: 1000, captionDropout: 1, trigger: 'two words', warmupSteps: 5000 };
    const problems = configProblems(bad);
    expect(problems).toHaveLength(8);
    expect(problems.join('\n')).toMatch(/steps must be a whole number from 1/);
    expect(problems.join('\n')).toMatch(/rank .*16 as a balanced default/);
    expect(problems.join('\n')).toMatch(/learning rate must be above 0/);
    expect(problems.join('\n')).toMatch(/resolution must be a multiple of 16/);
    expect(problems.join('\n')).toMatch(/trigger word must be one word/);
  });

  it('rejects unknown schedulers and timestep kinds', () => {
    expect(configProblems({ ...good, scheduler: 'exp' as never })[0]).toMatch(/scheduler must be one of constant/);
    expect(configProblems({ ...good, timesteps: { kind: 'sigmoid', scale: 1, shift: 0 } })[0]).toMatch(/timestep shift must be above 0/);
  });
});
