import type { CaptionItem } from '@lora-studio/api';

/** How an image reads in the filmstrip: done, needs a look because the lint found something, or still to do. */
export type CaptionState = 'reviewed' | 'flagged' | 'unreviewed';

export function captionState(item: Pick<CaptionItem, 'reviewed' | 'issues'>): CaptionState {
  if (item.reviewed) return 'reviewed';
  return item.issues.length > 0 ? 'flagged' : 'unreviewed';
}

/** The image `step` places away in the list (−1 previous, +1 next), stopping at the ends as taggui does. */
export function neighbourId(ids: number[], currentId: number | null, step: -1 | 1): number | null {
  if (ids.length === 0) return null;
  const at = currentId === null ? -1 : ids.indexOf(currentId);
  if (at < 0) return ids[0]!;
  return ids[Math.min(ids.length - 1, Math.max(0, at + step))]!;
}

/** The next image not reviewed yet after the current one, wrapping around; null when every image is reviewed. */
export function nextUnreviewedId(items: Pick<CaptionItem, 'imageId' | 'reviewed'>[], currentId: number | null): number | null {
  const at = currentId === null ? -1 : items.findIndex((i) => i.imageId === currentId);
  for (let k = 1; k <= items.length; k++) {
    const item = items[(at + k + items.length) % items.length]!;
    if (!item.reviewed && item.imageId !== currentId) return item.imageId;
  }
  return null;
}
