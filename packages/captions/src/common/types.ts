/** What the LoRA learns; it decides where the trigger word goes (docs/training-guide.md §Captions). Same values as
 * the project's type. */
export type LoraType = 'subject' | 'style' | 'object';

/** One image's caption as the caption tools see it. */
export interface CaptionText {
  imageId: number;
  text: string;
}

/** A proposed or applied edit of one caption. `before` is null where the image had no caption yet. */
export interface CaptionChange {
  imageId: number;
  before: string | null;
  after: string;
  /** Where the edit touches `before` (half-open character ranges), for highlighting in a preview. */
  spans: TextSpan[];
}

export interface TextSpan {
  start: number;
  end: number;
}

/** Every change a batch operation would make, computed before anything is written. */
export interface BatchPlan {
  /** Names the operation in the history: "Undo Find and replace "red" → "blue"". */
  label: string;
  changes: CaptionChange[];
  /** Number of individual replacements/insertions/removals (can exceed changes.length). */
  edits: number;
}
