/** The caption editor's keyboard, as taggui users know it. */
export type CaptionKeyAction = 'previous' | 'next' | 'next-unreviewed' | 'review-and-next' | 'undo' | 'redo';

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** Ctrl on Linux and Windows, ⌘ on macOS: either one counts. */
export function captionKeyAction(e: KeyPress): CaptionKeyAction | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key === 'ArrowUp' && !e.shiftKey) return 'previous';
  if (key === 'ArrowDown' && !e.shiftKey) return 'next';
  if (key === 'j' && !e.shiftKey) return 'next-unreviewed';
  if (key === 'Enter' && !e.shiftKey) return 'review-and-next';
  if (key === 'z') return e.shiftKey ? 'redo' : 'undo';
  if (key === 'y' && !e.shiftKey) return 'redo';
  return null;
}
