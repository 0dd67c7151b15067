// Caption augmentations drawn from the run's random stream: dropout (train on an empty caption so the LoRA
// also learns the unconditional look) and tag shuffle (so no tag order is memorised), trigger kept first.
import type { TrainingRandom } from '../rng';

export interface CaptionOptions {
  trigger: string;
  captionDropout: number;
  tagShuffle: boolean;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whole-word, case-insensitive match, so `sks` is found in "a photo of sks," but not in "asks". */
export function containsTrigger(caption: string, trigger: string): boolean {
  return new RegExp(`(^|[^\\p{L}\\p{N}_])${escapeRegExp(trigger)}($|[^\\p{L}\\p{N}_])`, 'iu').test(caption);
}

/**
 * The caption without the trigger: "…, in the style of flt" loses the whole phrase, elsewhere the word goes
 * ("a photo of sks teddy bear" → "a photo of teddy bear"). Used for prior-preservation captions and bleed checks.
 */
export function withoutTrigger(caption: string, trigger: string): string {
  const t = escapeRegExp(trigger);
  return caption
    .replace(new RegExp(`,?\\s*in the style of ${t}(?![\\p{L}\\p{N}_])`, 'giu'), '')
    .replace(new RegExp(`(^|[^\\p{L}\\p{N}_])${t}(?![\\p{L}\\p{N}_])`, 'giu'), '$1')
    .replace(/\s+([,.])/g, '$1')
    .replace(/^[\s,]+/, '')
    .replace(/\s{2,}/g, ' ')
    .trim();
}

/** Random draws happen in a fixed order whatever the options, so a resumed run stays in step. */
export function augmentCaption(caption: string, options: CaptionOptions, rng: TrainingRandom): string {
  const dropped = options.captionDropout > 0 && rng.uniform() < options.captionDropout;
  if (dropped) return '';
  if (!options.tagShuffle) return caption;
  const tags = caption.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  const triggerIndex = tags.findIndex((t) => containsTrigger(t, options.trigger));
  const first = triggerIndex >= 0 ? tags.splice(triggerIndex, 1) : [];
  return [...first, ...rng.shuffle(tags)].join(', ');
}
