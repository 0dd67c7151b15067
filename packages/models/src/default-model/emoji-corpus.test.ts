import { describe, expect, it } from 'vitest';
import { EmojiCorpus, listGoogleEmoji } from './emoji-corpus';
import { describePlacement, PLAIN_PLACEMENT } from './placement';

describe('emoji pretraining corpus', () => {
  it('lists every Google emoji with skin tones spelled out', () => {
    const all = listGoogleEmoji();
    expect(all.length).toBeGreaterThan(3700);
    expect(new Set(all.map((e) => e.image)).size).toBe(all.length);
    expect(all.some((e) => e.name.endsWith(', medium skin tone'))).toBe(true);
    expect(all.every((e) => e.name === e.name.toLowerCase() && e.category.length > 0)).toBe(true);
  });

  it('keeps the everyday selection to distinct emoji a user types: no skin tones, joined figures, flags or symbols', () => {
    const everyday = listGoogleEmoji('everyday');
    expect(everyday.length).toBe(662);
    const all = new Set(listGoogleEmoji().map((e) => e.image));
    expect(everyday.every((e) => all.has(e.image))).toBe(true);
    expect(everyday.some((e) => e.name.includes('skin tone'))).toBe(false);
    expect(new Set(everyday.map((e) => e.category))).toEqual(new Set(['smileys and emotion', 'animals and nature', 'food and drink', 'travel and places']));
    const names = new Set(everyday.map((e) => e.name));
    for (const n of ['grinning face', 'red apple', 'unicorn face', 'strawberry', 'bicycle', 'rocket', 'snowman']) expect(names.has(n)).toBe(true);
    expect(names.has('family: man, woman, boy')).toBe(false);
  });

  it('is a deterministic stream: example i depends only on (seed, i), and every epoch visits every emoji once', async () => {
    const a = await EmojiCorpus.load(16, { limit: 12 });
    const b = await EmojiCorpus.load(16, { limit: 12 });
    for (const i of [0, 5, 13, 30]) {
      const x = a.example(i, 7);
      const y = b.example(i, 7);
      expect(y.caption).toBe(x.caption);
      expect(Array.from(y.image.data)).toEqual(Array.from(x.image.data));
    }
    expect(new Set(Array.from({ length: 12 }, (_, i) => a.example(12 + i, 7).emoji)).size).toBe(12);
    const order = (seed: number) => Array.from({ length: 12 }, (_, i) => a.example(i, seed).emoji);
    expect(order(8)).not.toEqual(order(7));
  });

  it('says the placement in the caption whenever the picture is not plain', async () => {
    const c = await EmojiCorpus.load(16, { limit: 6 });
    for (let i = 0; i < 30; i++) {
      const ex = c.example(i, 1);
      if (ex.caption.includes(' background, ')) expect(ex.caption.endsWith(` ${describePlacement(ex.placement)}`)).toBe(true);
      else expect(ex.placement).toEqual(PLAIN_PLACEMENT);
    }
  });
});
