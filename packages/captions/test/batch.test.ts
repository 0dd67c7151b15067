import { describe, expect, it } from 'vitest';
import { planBatch, type BatchOperation } from '../src/common/batch';
import { insertTrigger, findTrigger } from '../src/common/trigger';
import { tagFrequency } from '../src/common/frequency';

const ctx = { trigger: 'sks', type: 'subject' as const };
const captions = [
  { imageId: 1, text: 'a photo of sks person with red hair, in a park' },
  { imageId: 2, text: 'a photo of sks person, Red hair, red scarf' },
  { imageId: 3, text: 'a photo of sks person at the beach' },
];
const replace = (o: Partial<Extract<BatchOperation, { kind: 'replace' }>>): BatchOperation => ({
  kind: 'replace', find: '', replace: '', regex: false, caseSensitive: false, wholeWord: false, ...o,
});

describe('batch find/replace', () => {
  it('previews every change with the matched spans, and leaves untouched captions out', () => {
    const r = planBatch(replace({ find: 'red', replace: 'blue' }), captions, ctx);
    if (!r.ok) throw new Error(r.error);
    expect(r.plan.changes.map((c) => [c.imageId, c.after])).toEqual([
      [1, 'a photo of sks person with blue hair, in a park'],
      [2, 'a photo of sks person, blue hair, blue scarf'],
    ]);
    expect(r.plan.edits).toBe(3);
    const c2 = r.plan.changes[1]!;
    expect(c2.spans.map((s) => c2.before!.slice(s.start, s.end))).toEqual(['Red', 'red']);
  });

  it('respects case and whole words, and inserts plain replacements literally', () => {
    const r = planBatch(replace({ find: 'red', replace: '$1 blue', caseSensitive: true }), captions, ctx);
    if (!r.ok) throw new Error(r.error);
    expect(r.plan.changes.map((c) => c.after)).toEqual([
      'a photo of sks person with $1 blue hair, in a park',
      'a photo of sks person, Red hair, $1 blue scarf',
    ]);
    const whole = planBatch(replace({ find: 'a', replace: 'one', wholeWord: true }), [{ imageId: 3, text: 'a cat at a park' }], ctx);
    expect(whole.ok && whole.plan.changes[0]!.after).toBe('one cat at one park');
  });

  it('expands groups in regex mode and reports a broken or empty-matching pattern as an error value', () => {
    const r = planBatch(replace({ find: '(\\w+) hair', replace: 'hair: $1', regex: true }), captions, ctx);
    expect(r.ok && r.plan.changes.map((c) => c.after)).toEqual([
      'a photo of sks person with hair: red, in a park',
      'a photo of sks person, hair: Red, red scarf',
    ]);
    const broken = planBatch(replace({ find: '(red', regex: true }), captions, ctx);
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.error).toMatch(/regular expression is not valid/);
    expect(planBatch(replace({ find: 'x*', regex: true }), captions, ctx).ok).toBe(false);
    expect(planBatch(replace({ find: '' }), captions, ctx).ok).toBe(false);
  });
});

describe('other batch edits', () => {
  it('adds a prefix and suffix once, even when run again', () => {
    const op: BatchOperation = { kind: 'affix', prefix: 'photo', suffix: 'high quality', separator: ', ' };
    const r = planBatch(op, [{ imageId: 1, text: 'sks person' }, { imageId: 2, text: 'photo, sks person, high quality' }], ctx);
    expect(r.ok && r.plan.changes.map((c) => [c.imageId, c.after])).toEqual([[1, 'photo, sks person, high quality']]);
  });

  it('removes a leaked phrase: the whole tag in tag captions, the words in sentences', () => {
    const r = planBatch({ kind: 'remove-phrase', phrase: 'red hair' }, [
      { imageId: 1, text: 'sks, 1girl, red hair, outdoors' },
      { imageId: 2, text: 'a photo of sks person with red hair, smiling.' },
      { imageId: 3, text: 'a photo of sks person, red hair, in a park' },
      { imageId: 4, text: 'a photo of sks person at the beach' },
    ], ctx);
    expect(r.ok && r.plan.changes.map((c) => c.after)).toEqual([
      'sks, 1girl, outdoors',
      'a photo of sks person with, smiling.',
      'a photo of sks person, in a park',
    ]);
  });

  it('inserts the trigger phrase for the LoRA type only where it is missing', () => {
    const r = planBatch({ kind: 'insert-trigger' }, [{ imageId: 1, text: 'A woman in a park' }, { imageId: 2, text: 'sks person' }], ctx);
    expect(r.ok && r.plan.changes.map((c) => c.after)).toEqual(['a photo of sks person, a woman in a park']);
  });
});

describe('trigger insertion per LoRA type', () => {
  it('uses the guide phrase and reports where the trigger is', () => {
    const cases = [
      ['subject', 'sks', 'smiling in a park', 'a photo of sks person, smiling in a park'],
      ['style', 'myart', 'A castle on a hill', 'in the style of myart, a castle on a hill'],
      ['object', 'brd', 'on a white table', 'a brd product, on a white table'],
      ['subject', 'sks', '', 'a photo of sks person'],
      ['style', 'myart', '1girl, red hair, outdoors', 'in the style of myart, 1girl, red hair, outdoors'],
    ] as const;
    for (const [type, trigger, text, want] of cases) {
      const r = insertTrigger(text, trigger, type);
      expect(r.text).toBe(want);
      expect(r.text.slice(r.span!.start, r.span!.end)).toBe(trigger);
    }
    expect(insertTrigger('NASA rocket, sks', 'sks', 'object')).toEqual({ text: 'NASA rocket, sks', span: null });
    expect(findTrigger('Sks and sks-like and sks.', 'sks').length).toBe(2);
  });
});

describe('tag frequency', () => {
  it('counts each tag once per caption, most frequent first', () => {
    const rows = tagFrequency(
      [{ imageId: 1, text: 'sks, 1girl, red hair, red hair, outdoors' }, { imageId: 2, text: 'sks, 1girl, indoors, smile' }],
      ctx,
    );
    expect(rows.slice(0, 2).map((r) => [r.tag, r.count, r.imageIds])).toEqual([['1girl', 2, [1, 2]], ['indoors', 1, [2]]]);
  });
});
