import type { TextSpan } from './types';

/** A word as the caption tools count it: letters, digits, "_" , "-" and "'" inside a word. */
const WORD = /[\p{L}\p{N}_]+(?:['’-][\p{L}\p{N}_]+)*/gu;

export interface WordAt extends TextSpan {
  word: string;
}

export function wordsAt(text: string): WordAt[] {
  const out: WordAt[] = [];
  for (const m of text.matchAll(WORD)) out.push({ word: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

export function words(text: string): string[] {
  return wordsAt(text).map((w) => w.word);
}

/** Captions compared for sameness: case, spacing and trailing punctuation do not make two captions different. */
export function normalizeCaption(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').replace(/[\s.,;:!]+$/u, '').trim();
}

/**
 * A rough token count for the text encoder's limit. Exact counts need the model's tokenizer; BPE tokenizers
 * spend about one token per short word, more for long or rare words, and one per punctuation mark.
 */
export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const w of words(text)) tokens += Math.max(1, Math.ceil(w.length / 6));
  tokens += (text.match(/[^\p{L}\p{N}_\s'’-]/gu) ?? []).length;
  return tokens;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Compiled patterns by source: the lint runs per keystroke and per caption, and compiling a Unicode-aware
 * pattern costs far more than matching it. Only use cached patterns with matchAll/replace (no lastIndex state).
 */
const compiled = new Map<string, RegExp>();
export function cachedRegExp(source: string, flags: string): RegExp {
  const key = `${flags}/${source}`;
  let re = compiled.get(key);
  if (!re) {
    if (compiled.size >= 1000) compiled.clear();
    re = new RegExp(source, flags);
    compiled.set(key, re);
  }
  return re;
}

/** Matches `phrase` as whole words, case-insensitive, tolerant of extra spaces between its words. */
export function phrasePattern(phrase: string, flags = 'giu'): RegExp {
  const parts = words(phrase).map(escapeRegExp);
  // Boundaries agree with wordsAt: "sks-like" is one word and does not contain the word "sks".
  return cachedRegExp(`(?<![\\p{L}\\p{N}_]|[\\p{L}\\p{N}_]['’-])${parts.join('[\\s_-]+')}(?![\\p{L}\\p{N}_]|['’-][\\p{L}\\p{N}_])`, flags);
}

/**
 * Words too common to say anything about an image on their own; phrases that start or end with one
 * ("of a", "in the") are not reported as tags or leaks.
 */
export const STOPWORDS = new Set(
  `a an the and or but of in on at to for with without from by as into onto over under near behind between
  is are was were be been being has have had it its this that these those there their his her he she they
  them him who which what while very some any each other another one two three up down out off than then
  so such also just only not no nor can will would could should may might do does did doing`
    .split(/\s+/)
    .filter(Boolean),
);
