// Caption augmentations drawn from the run's random stream: dropout (train on an empty caption so the LoRA
// also learns the unconditional look) and tag shuffle (so no tag order is memorised), trigger kept first.
import type { TrainingRandom } from '../rng';

export interface CaptionOptions {
  trigger: string;
  captionDropout: number;
  tagShuffle: boolean;
}

/** Whole-word, case-insensitive match, so `sks` is found in "a photo of sks," but not in "asks". */
export function containsTrigger(caption: string, trigger: string): boolean {
  const escaped = trigger.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}_])${escaped}($|[^\\p{L}\\p{N}_])`, 'iu').test(caption);
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
