import { COMMON_WORDS } from './common-words';
import { captionStyle } from './style';
import type { LoraType, TextSpan } from './types';
import { phrasePattern, words } from './words';

/** The phrase the guide recommends per LoRA type (docs/training-guide.md §Captions): the trigger early, with its
 * class noun. */
export function triggerPhrase(type: LoraType, trigger: string): string {
  switch (type) {
    case 'subject':
      return `a photo of ${trigger} person`;
    case 'style':
      return `in the style of ${trigger}`;
    case 'object':
      return `a ${trigger} product`;
  }
}

/** Every whole-word occurrence of the trigger, case-insensitive, for highlighting. */
export function findTrigger(text: string, trigger: string): TextSpan[] {
  if (!trigger.trim()) return [];
  return [...text.matchAll(phrasePattern(trigger))].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** Index of the first word that is the trigger, or -1. */
export function triggerWordIndex(text: string, trigger: string): number {
  const t = trigger.toLowerCase();
  return words(text).findIndex((w) => w.toLowerCase() === t);
}

export interface TriggerInsertion {
  text: string;
  /** Where the trigger word now sits, or null when the caption already had it and nothing changed. */
  span: TextSpan | null;
}

/**
 * Puts the recommended phrase at the start of the caption. A caption that already names the trigger is left alone:
 * moving words the user wrote is their call, and the lint says when the trigger is too late.
 */
export function insertTrigger(text: string, trigger: string, type: LoraType): TriggerInsertion {
  if (findTrigger(text, trigger).length > 0) return { text, span: null };
  const phrase = triggerPhrase(type, trigger);
  const rest = text.trim();
  const joined = rest === '' ? phrase : `${phrase}, ${captionStyle(rest) === 'tags' ? rest : lowerFirst(rest)}`;
  const start = phrase.indexOf(trigger);
  return { text: joined, span: { start, end: start + trigger.length } };
}

/** "A woman" → "a woman", but "NASA" and "iPhone" keep their capitals. */
function lowerFirst(s: string): string {
  return /^\p{Lu}\p{Ll}*(?!\p{L})/u.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s;
}

/** True when the trigger is an everyday word the base model already knows (so it is a poor trigger). */
export function isCommonWord(trigger: string): boolean {
  return COMMON_WORDS.has(trigger.trim().toLowerCase());
}
