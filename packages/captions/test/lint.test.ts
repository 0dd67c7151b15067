import { describe, expect, it } from 'vitest';
import { lintCaption, lintCaptions, datasetFacts, type LintRule, type LintSettings } from '../src/common/lint';

const subject: LintSettings = { trigger: 'sks', type: 'subject' };
const style: LintSettings = { trigger: 'myart', type: 'style' };

/** Each row: a caption, the project it belongs to, the rules that must fire and rules that must stay silent. */
const table: { text: string; settings: LintSettings; fires: LintRule[]; silent: LintRule[] }[] = [
  { text: '', settings: subject, fires: ['empty'], silent: ['trigger-missing', 'too-short'] },
  { text: '   ', settings: subject, fires: ['empty'], silent: ['trigger-missing'] },
  {
    text: 'a photo of sks person smiling in a park, warm afternoon light',
    settings: subject,
    fires: [],
    silent: ['empty', 'trigger-missing', 'trigger-late', 'other-trigger', 'too-short', 'too-long'],
  },
  { text: 'a photo of Sarah smiling in a park', settings: subject, fires: ['trigger-missing'], silent: ['trigger-late', 'empty'] },
  // "sksperson" and "sks_x" are other words, not the trigger.
  { text: 'a photo of sksperson smiling in a park', settings: subject, fires: ['trigger-missing'], silent: [] },
  {
    text: 'a woman smiling in a park with warm light and sks nearby',
    settings: subject,
    fires: ['trigger-late'],
    silent: ['trigger-missing'],
  },
  { text: 'in the style of myart, a castle on a hill at dusk', settings: style, fires: [], silent: ['trigger-late', 'other-trigger'] },
  { text: 'SKS person standing on a beach at sunset', settings: subject, fires: [], silent: ['trigger-missing', 'trigger-late'] },
  { text: 'a photo of sks person and ohwx person at the beach', settings: subject, fires: ['other-trigger'], silent: [] },
  { text: 'a photo of zqx person at the beach, with sks', settings: subject, fires: ['other-trigger'], silent: ['trigger-missing'] },
  { text: 'in the style of myart and in the style of monet, a river', settings: style, fires: ['other-trigger'], silent: [] },
  // A description in the trigger slot is not a second trigger.
  { text: 'in the style of myart, in the style of a vintage poster', settings: style, fires: [], silent: ['other-trigger'] },
  { text: 'sks person', settings: subject, fires: ['too-short'], silent: ['empty', 'trigger-missing'] },
  { text: 'sks person outdoors', settings: subject, fires: [], silent: ['too-short'] },
  {
    text: `a photo of sks person, ${'a very detailed description of the scene '.repeat(20)}`,
    settings: { ...subject, options: { maxTokens: 77 } },
    fires: ['too-long'],
    silent: ['too-short'],
  },
  {
    text: 'a photo of sks person smiling in a park',
    settings: { ...subject, options: { maxTokens: 77 } },
    fires: [],
    silent: ['too-long'],
  },
  {
    text: 'a photo of sks person, old trigger flt still here',
    settings: { ...subject, options: { otherTriggers: ['flt'] } },
    fires: ['other-trigger'],
    silent: [],
  },
];

describe('caption lint, rule by rule', () => {
  for (const row of table) {
    it(`"${row.text.slice(0, 50)}" → ${row.fires.join(', ') || 'clean'}`, () => {
      const rules = lintCaption({ imageId: 1, text: row.text }, row.settings).map((i) => i.rule);
      for (const r of row.fires) expect(rules).toContain(r);
      for (const r of row.silent) expect(rules).not.toContain(r);
      if (row.fires.length === 0) expect(rules).toEqual([]);
    });
  }

  it('underlines the late trigger and the second trigger where they are', () => {
    const text = 'a woman in a park with warm light and sks';
    const late = lintCaption({ imageId: 1, text }, subject).find((i) => i.rule === 'trigger-late')!;
    expect(text.slice(late.spans[0]!.start, late.spans[0]!.end)).toBe('sks');
    const other = 'a photo of zqx person with sks';
    const second = lintCaption({ imageId: 1, text: other }, subject).find((i) => i.rule === 'other-trigger')!;
    expect(second.spans.map((s) => other.slice(s.start, s.end))).toEqual(['zqx']);
  });
});

describe('dataset rules', () => {
  const leaky = [
    'a photo of sks person with red hair, smiling in a park',
    'a photo of sks person with red hair sitting in a cafe',
    'a photo of sks person, red hair, wearing a blue jacket, at the beach',
    'a photo of sks person with red hair reading a book in a library',
    'a photo of sks person walking a dog on a street at night',
  ].map((text, i) => ({ imageId: i + 1, text }));

  it('finds a phrase in most captions, once, with its frequency, and flags the captions that contain it', () => {
    const report = lintCaptions(leaky, subject);
    expect(report.leaks.map((l) => [l.tag, l.count])).toEqual([['red hair', 4]]);
    const flagged = report.issues.filter((i) => i.rule === 'leak').map((i) => i.imageId);
    expect(flagged).toEqual([1, 2, 3, 4]);
    // The trigger phrase itself repeats on purpose and is never a leak.
    expect(report.leaks.some((l) => /sks|photo|person/.test(l.tag))).toBe(false);
  });

  it('does not report leaks in a varied dataset or one too small to judge', () => {
    const varied = [
      'a photo of sks person smiling in a park',
      'a photo of sks person reading in a library at night',
      'a photo of sks person on a beach in a blue jacket',
      'a photo of sks person cooking in a kitchen',
    ].map((text, i) => ({ imageId: i + 1, text }));
    expect(lintCaptions(varied, subject).leaks).toEqual([]);
    expect(lintCaptions(leaky.slice(0, 2), subject).leaks).toEqual([]);
  });

  it('counts leaks per tag in tag-style captions', () => {
    const tags = ['sks, 1girl, red hair, outdoors', 'sks, 1girl, red hair, indoors, sitting', 'sks, red hair, beach, standing']
      .map((text, i) => ({ imageId: i + 1, text }));
    const report = lintCaptions(tags, { trigger: 'sks', type: 'subject' });
    expect(report.leaks.map((l) => l.tag)).toEqual(['red hair']);
  });

  it('flags identical captions on different images, ignoring case and spacing, and not unique ones', () => {
    const captions = [
      { imageId: 1, text: 'a photo of sks person in a park' },
      { imageId: 2, text: 'A photo of sks  person in a park.' },
      { imageId: 3, text: 'a photo of sks person at the beach' },
    ];
    const facts = datasetFacts(captions, subject);
    const dup = (c: (typeof captions)[number]) => lintCaption(c, subject, facts).some((i) => i.rule === 'duplicate');
    expect(captions.map(dup)).toEqual([true, true, false]);
  });

  it('warns once about a common trigger word, and not about a made-up one', () => {
    const captions = [{ imageId: 1, text: 'a photo of woman person in a park' }];
    const common = lintCaptions(captions, { trigger: 'woman', type: 'subject' }).issues.filter((i) => i.rule === 'common-trigger');
    expect(common).toHaveLength(1);
    expect(common[0]!.imageId).toBeNull();
    expect(lintCaptions(captions, subject).counts['common-trigger']).toBe(0);
  });

  it('lists flagged images in order and counts each rule', () => {
    const report = lintCaptions(
      [
        { imageId: 5, text: '' },
        { imageId: 6, text: 'a photo of sks person in a park at noon' },
        { imageId: 7, text: 'a dog' },
      ],
      subject,
    );
    expect(report.flaggedImageIds).toEqual([5, 7]);
    expect(report.counts).toMatchObject({ empty: 1, 'trigger-missing': 1, 'too-short': 1, leak: 0 });
  });
});
