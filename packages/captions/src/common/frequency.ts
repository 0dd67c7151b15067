import { captionStyle, splitTags } from './style';
import { triggerPhrase } from './trigger';
import type { CaptionText, LoraType } from './types';
import { STOPWORDS, words } from './words';

export interface PhraseContext {
  trigger: string;
  type: LoraType;
}

/** One row of the tag frequency table: a tag (or phrase) and how many captions contain it. */
export interface TagCount {
  tag: string;
  count: number;
  /** count / number of captions, 0..1 */
  share: number;
  imageIds: number[];
}

/**
 * The phrases a caption contributes to frequency counts, each once: whole tags for tag-style captions, and
 * word runs of 1..maxWords inside each clause for sentences. The trigger and the words of the recommended
 * trigger phrase ("photo", "person", "style", "product") repeat on purpose, so they are left out.
 */
export function captionPhrases(text: string, ctx: PhraseContext, maxWords = 3, onlyWords?: Set<string>): Set<string> {
  const ignore = new Set(words(triggerPhrase(ctx.type, ctx.trigger).toLowerCase()));
  const out = new Set<string>();
  const keep = (ws: string[]) => {
    if (ws.length === 0 || ws.some((w) => w === ctx.trigger.toLowerCase())) return;
    if (onlyWords && !ws.every((w) => onlyWords.has(w))) return;
    // A phrase must start and end on a describing word: "of a", "person with red" say nothing on their own.
    const filler = (w: string) => STOPWORDS.has(w) || ignore.has(w);
    if (filler(ws[0]!) || filler(ws[ws.length - 1]!)) return;
    if (ws.every((w) => /^\d+$/.test(w))) return;
    out.add(ws.join(' '));
  };
  if (captionStyle(text) === 'tags') {
    for (const tag of splitTags(text)) keep(words(tag.toLowerCase()));
    return out;
  }
  for (const clause of text.toLowerCase().split(/[,.;:!?\n()]+/)) {
    const ws = words(clause);
    for (let n = 1; n <= maxWords; n++) {
      for (let i = 0; i + n <= ws.length; i++) keep(ws.slice(i, i + n));
    }
  }
  return out;
}

/** How many captions contain each tag or phrase, most frequent first (ties by name). */
export function tagFrequency(captions: CaptionText[], ctx: PhraseContext, maxWords = 2, onlyWords?: Set<string>): TagCount[] {
  const seen = new Map<string, number[]>();
  for (const c of captions) {
    for (const p of captionPhrases(c.text, ctx, maxWords, onlyWords)) {
      const ids = seen.get(p);
      if (ids) ids.push(c.imageId);
      else seen.set(p, [c.imageId]);
    }
  }
  const n = Math.max(1, captions.filter((c) => c.text.trim() !== '').length);
  return [...seen]
    .map(([tag, imageIds]) => ({ tag, count: imageIds.length, share: imageIds.length / n, imageIds }))
    .sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
}

export interface LeakOptions {
  /** A phrase in at least this share of the captions is suspect (default 0.6). */
  minShare: number;
  /** ...and in at least this many captions, so a 3-image dataset does not flag everything (default 3). */
  minCaptions: number;
}

/**
 * Phrases that occur in most captions ("red hair", "blue jacket"): they probably describe the concept itself,
 * which the trigger word should carry alone (docs/training-guide.md §Captions). A shorter phrase inside a longer
 * finding with the same count is dropped, so "red hair" is reported once rather than as "red", "hair" and "red hair".
 */
export function findLeaks(captions: CaptionText[], ctx: PhraseContext, opts: LeakOptions): TagCount[] {
  const written = captions.filter((c) => c.text.trim() !== '');
  if (written.length < opts.minCaptions) return [];
  // A phrase is in no more captions than each of its words, so only phrases made of frequent words can qualify:
  // counting those alone keeps the lint fast on thousands of captions.
  const needed = Math.max(opts.minCaptions, Math.ceil(opts.minShare * written.length));
  const wordCount = new Map<string, number>();
  for (const c of written) for (const w of new Set(words(c.text.toLowerCase()))) wordCount.set(w, (wordCount.get(w) ?? 0) + 1);
  const frequent = new Set([...wordCount].filter(([, n]) => n >= needed).map(([w]) => w));
  const candidates = tagFrequency(written, ctx, 3, frequent).filter(
    (t) => t.count >= opts.minCaptions && t.share >= opts.minShare,
  );
  return candidates
    .filter((t) => !candidates.some((o) => o.tag !== t.tag && o.count === t.count && containsWords(o.tag, t.tag)))
    .sort((a, b) => b.count - a.count || b.tag.split(' ').length - a.tag.split(' ').length || a.tag.localeCompare(b.tag));
}

function containsWords(longer: string, shorter: string): boolean {
  return ` ${longer} `.includes(` ${shorter} `);
}
