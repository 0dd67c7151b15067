/**
 * Undo steps that touch one caption. The services name each step ("Edit caption", "Mark reviewed",
 * "Mark 1 image reviewed"); every other step (find and replace, prefix/suffix, remove, insert trigger, auto-caption,
 * import, marking many images) changed many captions at once, and undoing it asks first.
 */
const SINGLE_CAPTION_STEP = /^(Edit caption|Mark (reviewed|unreviewed)|Mark 1 image (reviewed|unreviewed))$/;

export function isBulkStep(label: string): boolean {
  return !SINGLE_CAPTION_STEP.test(label);
}
