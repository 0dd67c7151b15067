import { defaultModelDir, readManifest } from '@lora-studio/models';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_SUBJECTS, mentionsTrigger, wildPrompts } from './wild-prompts';

describe('wild prompts', () => {
  it('gives five prompts with the trigger for every project type and base model', () => {
    for (const base of ['default', defaultModelDir(), '/models/flux2-klein-4b']) {
      for (const type of ['subject', 'style', 'object'] as const) {
        const prompts = wildPrompts(type, 'flt', base);
        expect(prompts).toHaveLength(5);
        for (const p of prompts) expect(mentionsTrigger(p, 'flt')).toBe(true);
      }
    }
  });

  it('uses words the embedded default model was trained on, named as "default" or by its folder', () => {
    for (const base of ['default', defaultModelDir()]) {
      const text = [...wildPrompts('subject', 'sks', base), ...wildPrompts('style', 'flt', base)].join(' ');
      expect(text).not.toMatch(/coffee|astronaut|watercolor/);
      expect(text).toMatch(/on a blue background/);
      expect(text).toContain('pear, in the style of flt');
    }
    // Every word of the subjects has its own row in the shipped model's word table (its captions used it).
    const words = new Set(readManifest(defaultModelDir()).textEncoder.words);
    for (const w of DEFAULT_MODEL_SUBJECTS.flatMap((s) => s.split(' '))) expect(words.has(w), w).toBe(true);
    expect(wildPrompts('subject', 'sks', '/models/flux2-klein-4b')[0]).toContain('coffee shop');
  });
});
