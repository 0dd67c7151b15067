import { describe, expect, it } from 'vitest';
import { EmojiCorpus } from './emoji-corpus';
import { gatePrompts, judgeSample, summarizeGate } from './quality-gate';

describe('pretraining quality gate', () => {
  it('ranks the prompted emoji first when the sample is that emoji, and reads its background', async () => {
    const corpus = await EmojiCorpus.load(32, { limit: 40 });
    const prompts = gatePrompts(corpus, 1, 200);
    expect(prompts.filter((p) => p.kind === 'training')).toHaveLength(20);
    const p = prompts.find((q) => q.placement.background !== 'white')!;
    const exact = judgeSample(corpus, p, corpus.draw(p.emoji, p.placement));
    expect(exact.rank).toBe(1);
    expect(exact.background).toBe(p.placement.background);
    const other = judgeSample(corpus, p, corpus.draw((p.emoji + 1) % 40, p.placement));
    expect(other.rank).toBeGreaterThan(1);
    const summary = summarizeGate([exact, other], corpus);
    expect(summary.find((s) => s.kind === 'training')).toMatchObject({ prompts: 2, top1: 0.5, background: 1, chanceTop1: 1 / 40 });
  });

  it('samples a larger gate on request; its first round of unseen prompts is the default gate\'s', async () => {
    const corpus = await EmojiCorpus.load(32, { selection: 'everyday' });
    const small = gatePrompts(corpus, 2, 8000);
    const large = gatePrompts(corpus, 2, 8000, { training: 100, unseenRounds: 5 });
    const unseen = (ps: typeof small) => ps.filter((p) => p.kind === 'unseen');
    expect(large.filter((p) => p.kind === 'training')).toHaveLength(100);
    expect(unseen(small).length).toBeGreaterThan(10);
    expect(unseen(large)).toHaveLength(5 * unseen(small).length);
    expect(unseen(large).slice(0, unseen(small).length)).toEqual(unseen(small));
    expect(new Set(unseen(large).map((p) => p.caption)).size).toBeGreaterThan(unseen(small).length);
  });
});
