import { describe, expect, it } from 'vitest';
import { planBatch, type BatchOperation } from '../src/common/batch';
import { compileFind, expandReplacement, MAX_FIND_LENGTH, UNSUPPORTED_PATTERN, type FindOptions } from '../src/common/find-pattern';

const ctx = { trigger: 'sks', type: 'subject' as const };
const replace = (o: Partial<Extract<BatchOperation, { kind: 'replace' }>>): BatchOperation => ({
  kind: 'replace', find: '', replace: '', regex: true, caseSensitive: false, wholeWord: false, ...o,
});

function compile(text: string, options: Partial<FindOptions> = {}) {
  const r = compileFind(text, { regex: true, caseSensitive: true, wholeWord: false, ...options });
  if (!r.ok) throw new Error(r.error);
  return r.find;
}

describe('find patterns run in linear time', () => {
  // A backtracking engine needs about 2^34 steps for the first one: these tests would never finish with RegExp.
  it('answers (a+)+$ on 34 "a"s and a "!" at once, in the engine and in the batch preview', () => {
    const caption = `${'a'.repeat(34)}!`;
    expect(compile('(a+)+$').matchAll(caption)).toEqual([]);
    const r = planBatch(replace({ find: '(a+)+$', replace: 'x' }), [{ imageId: 1, text: caption }, { imageId: 2, text: 'red aaa' }], ctx);
    expect(r.ok && r.plan.changes.map((c) => [c.imageId, c.after])).toEqual([[2, 'red x']]);
  });

  it('answers nested repeats over a 100,000-character caption with the right result', () => {
    const long = `${'a'.repeat(100_000)}!`;
    expect(compile('(a+)+$').matchAll(long)).toEqual([]);
    expect(compile('(a|aa)+b').matchAll(long)).toEqual([]);
    const spans = compile('(\\p{L}+\\s?)+!').matchAll(long).map(({ start, end }) => [start, end]);
    expect(spans).toEqual([[0, 100_001]]);
    const r = planBatch(replace({ find: '(?:a+)+$', replace: 'done' }), [{ imageId: 1, text: 'a'.repeat(100_000) }], ctx);
    expect(r.ok && r.plan.changes[0]!.after).toBe('done');
  });
});

describe('patterns RE2 cannot run are refused with a sentence, not an exception', () => {
  it('refuses lookarounds and backreferences', () => {
    for (const find of ['(?=red)', 'red(?!dish)', '(?<=a )red', '(?<!dark )red', '(red) \\1', '(?<c>red) \\k<c>']) {
      for (const wholeWord of [false, true]) {
        const r = planBatch(replace({ find, wholeWord }), [{ imageId: 1, text: 'a red red' }], ctx);
        expect(r, find).toEqual({ ok: false, error: UNSUPPORTED_PATTERN });
      }
    }
    expect(UNSUPPORTED_PATTERN).toMatch(/^LoRA Studio's find & replace does not support lookarounds or backreferences \(they can take forever on some captions\)/);
  });

  it('still accepts look-alikes that are neither, and finds any of it as plain text', () => {
    expect(compile('[(?=]+').matchAll('a(?=b').map((m) => [m.start, m.end])).toEqual([[1, 4]]);
    expect(compile('\\\\k').matchAll('a\\k').map((m) => [m.start, m.end])).toEqual([[1, 3]]);
    const plain = planBatch(replace({ find: '(?=a)\\1', replace: 'x', regex: false }), [{ imageId: 1, text: 'b (?=a)\\1 c' }], ctx);
    expect(plain.ok && plain.plan.changes[0]!.after).toBe('b x c');
  });

  it('caps the length of the text to find and reports syntax errors against the user\'s pattern', () => {
    expect(compileFind('a'.repeat(MAX_FIND_LENGTH), { regex: true, caseSensitive: false, wholeWord: true }).ok).toBe(true);
    const long = compileFind('a'.repeat(MAX_FIND_LENGTH + 1), { regex: false, caseSensitive: false, wholeWord: false });
    expect(long).toEqual({ ok: false, error: 'The text to find is 1,001 characters long; shorten it to 1,000 or fewer.' });
    const broken = compileFind('(red', { regex: true, caseSensitive: false, wholeWord: true });
    expect(broken).toEqual({
      ok: false,
      error: 'The regular expression is not valid: missing closing ) at "(red". Fix it, or untick "Regular expression" to find the text as typed.',
    });
  });
});

/** What the studio did with JavaScript's RegExp before RE2: the behaviour to keep, on patterns that cannot blow up. */
function withRegExp(find: string, replacement: string, o: FindOptions, text: string) {
  let source = o.regex ? find : find.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (o.wholeWord) source = `(?<![\\p{L}\\p{N}_])(?:${source})(?![\\p{L}\\p{N}_])`;
  const re = new RegExp(source, `g${o.caseSensitive ? '' : 'i'}u`);
  const spans = [...text.matchAll(re)].map((m) => [m.index, m.index + m[0].length]);
  return { spans, after: o.regex ? text.replace(re, replacement) : text.replace(re, () => replacement) };
}

describe('same results as JavaScript RegExp on ordinary patterns', () => {
  const cases: [find: string, replacement: string, options: Partial<FindOptions>, text: string][] = [
    ['red', 'blue', { regex: false }, 'Red hair, red scarf, reddish'],
    ['red', 'blue', { regex: false, caseSensitive: true }, 'Red hair, red scarf, reddish'],
    ['red', '$1 $& blue', { regex: false, wholeWord: true }, 'Red hair, red-scarf, reddish, sred'],
    ['a', 'one', { regex: false, wholeWord: true }, 'a cat at a park, a'],
    [', ', '; ', { regex: false, wholeWord: true }, ', , x, ,'],
    [', ', ';', { regex: false, wholeWord: true }, ', , , x'],
    ['-', '+', { regex: false, wholeWord: true }, '--a-- -'],
    ['(\\w+) hair', 'hair: $1', {}, 'a person with red hair, Red hair'],
    ['(?<colour>\\w+) (?<thing>hair|scarf)', '$<thing> ($<colour>) [$<none>] $&', {}, 'red hair and blue scarf'],
    ['(red)', '$$1 $0 $2 $10 $01 $<x> $ end$', {}, 'a red cat'],
    ['(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)', '$10|$11|$1$2', {}, '-abcdefghij-'],
    ['(x)?y', '[$1]', {}, 'y xy'],
    ['cat', "<$`|$'>", {}, 'a cat here'],
    ['\\p{L}+', '<$&>', { wholeWord: true }, 'été Ünïcode 42 日本語'],
    ['ÉTÉ', 'summer', { regex: false }, 'été, Été, ÉTÉ'],
    ['σ', 's', { regex: false }, 'ΣΙΣΥΦΟΣ σ'],
    ['😀+', '🙂', {}, 'a 😀😀 b 😀'],
    ['\\u0041\\x42', 'ok', { caseSensitive: true }, 'AB ab'],
    ['^a|b$', '_', {}, 'abab'],
    ['x*y?z', '#', {}, 'xxz yz z'],
    ['tag(s)?', 'label$1', { wholeWord: true }, 'tags, tag, tagged, tag'],
  ];
  it.each(cases)('%s → %s', (find, replacement, options, text) => {
    const o: FindOptions = { regex: true, caseSensitive: false, wholeWord: false, ...options };
    const want = withRegExp(find, replacement, o, text);
    const r = planBatch({ kind: 'replace', find, replace: replacement, ...o }, [{ imageId: 1, text }], ctx);
    if (!r.ok) throw new Error(r.error);
    const got = r.plan.changes[0] ?? { after: text, spans: [] };
    expect({ after: got.after, spans: got.spans.map((s) => [s.start, s.end]) }).toEqual(want);
  });

  it('expands a replacement over an empty match like String.prototype.replace', () => {
    const [m] = compile('(?:)x?').matchAll('ab');
    expect(m).toMatchObject({ start: 0, end: 0 });
    expect(expandReplacement('[$&$`]', m!, 'ab')).toBe('[]');
  });
});
