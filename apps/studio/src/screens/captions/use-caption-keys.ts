import { useEffect, useRef } from 'react';
import { captionKeyAction, type CaptionKeyAction } from './keys';

/** Marks the caption field, whose Ctrl+Z is the studio's undo rather than the browser's per-field one. */
export const CAPTION_INPUT_ID = 'caption-input';

function isOtherTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement) || target.id === CAPTION_INPUT_ID) return false;
  return target.isContentEditable || target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && target.type !== 'checkbox' && target.type !== 'radio');
}

/**
 * The view's shortcuts, wherever the focus is in it. Undo/redo inside another text field (find, replace, a path)
 * stay that field's own; an open dialog has the keyboard to itself.
 */
export function useCaptionKeys(onAction: (action: CaptionKeyAction) => void): void {
  const latest = useRef(onAction);
  latest.current = onAction;
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing || document.querySelector('dialog[open]')) return;
      const action = captionKeyAction(e);
      if (!action) return;
      if ((action === 'undo' || action === 'redo') && isOtherTextField(e.target)) return;
      e.preventDefault();
      latest.current(action);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
