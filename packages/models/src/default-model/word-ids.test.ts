import { describe, expect, it } from 'vitest';
import { captionVocabulary, listGoogleEmoji } from './emoji-corpus';
import { promptIds, type TextEncoderConfig } from './text-encoder';
import { buildVocabulary, NOT_A_WORD, RESERVED_WORD_ROWS, UNKNOWN_WORD, wordsOf } from './word-ids';

const vocabulary = buildVocabulary(['red apple', 'top-left', 'piñata 🍎', 'dog']);
const config: TextEncoderConfig = { maxBytes: 32, width: 16, heads: 2, layers: 1, mlpRatio: 2, mergeBytes: 4, contextDim: 24, words: vocabulary, wordScale: 1 };
const row = (ids: BigInt64Array, b: number) => Array.from(ids.subarray(b * config.maxBytes, (b + 1) * config.maxBytes), Number);
const rowOf = (word: string) => RESERVED_WORD_ROWS + vocabulary.indexOf(word);

describe('word rows of a prompt', () => {
  it('splits words as the encoder does: letters, digits, hyphen and apostrophe, whole non-ASCII characters, lower-cased', () => {
    expect(wordsOf("Red APPLE, top-left (dog's) piñata🍎!")).toEqual(['red', 'apple', 'top-left', "dog's", 'piñata🍎']);
    expect(vocabulary).toEqual(['apple', 'dog', 'piñata', 'red', 'top-left', '🍎']);
  });

  it('gives every byte of a word its row, separators and padding the not-a-word row', () => {
    const ids = row(promptIds(['red apple, top-left'], config).words!, 0);
    const [red, apple, topLeft] = [rowOf('red'), rowOf('apple'), rowOf('top-left')];
    expect(ids.slice(0, 19)).toEqual([red, red, red, NOT_A_WORD, apple, apple, apple, apple, apple, NOT_A_WORD, NOT_A_WORD, ...Array(8).fill(topLeft)]);
    expect(ids.slice(19)).toEqual(Array(13).fill(NOT_A_WORD));
  });

  it('maps a word in any letter case to its row, and every word outside the vocabulary to the unknown row', () => {
    const { words } = promptIds(['a RED Dog', 'sks flt'], config);
    expect(row(words!, 0).slice(0, 9)).toEqual([UNKNOWN_WORD, NOT_A_WORD, rowOf('red'), rowOf('red'), rowOf('red'), NOT_A_WORD, rowOf('dog'), rowOf('dog'), rowOf('dog')]);
    expect(row(words!, 1).slice(0, 7)).toEqual([UNKNOWN_WORD, UNKNOWN_WORD, UNKNOWN_WORD, NOT_A_WORD, UNKNOWN_WORD, UNKNOWN_WORD, UNKNOWN_WORD]);
  });

  it('keeps a non-ASCII word whole and follows the byte cut of a long prompt', () => {
    const { bytes, words, truncated } = promptIds(['piñata 🍎', `${'x'.repeat(31)}é`], config);
    const first = row(words!, 0);
    expect(first.slice(0, 8)).toEqual([...Array(7).fill(rowOf('piñata')), NOT_A_WORD]); // "piñata" is 7 bytes
    expect(first.slice(8, 12)).toEqual(Array(4).fill(rowOf('🍎')));
    expect(truncated).toEqual([1]);
    expect(row(words!, 1)[31]).toBe(NOT_A_WORD); // the cut é is neither a byte nor a word
    expect(row(bytes, 1)[31]).toBe(0);
  });

  it('has a bytes-only encoder without word ids, and a corpus vocabulary that covers names and placements but no trigger words', () => {
    expect(promptIds(['a'], { ...config, words: undefined }).words).toBeUndefined();
    const corpus = captionVocabulary(listGoogleEmoji());
    for (const w of ['apple', 'tulip', 'medium-dark', 'background', 'orange', 'top', 'centered', 'smileys', 'an']) expect(corpus).toContain(w);
    for (const w of ['sks', 'flt', 'ohwx']) expect(corpus).not.toContain(w);
  });
});
