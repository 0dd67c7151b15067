import { describe, expect, it } from 'vitest';
import { highlightSegments } from '../src/screens/captions/highlight';
import { isBulkStep } from '../src/screens/captions/history';
import { captionKeyAction, type KeyPress } from '../src/screens/captions/keys';
import { captionState, neighbourId, nextUnreviewedId } from '../src/screens/captions/navigation';

const press = (key: string, mods: Partial<Omit<KeyPress, 'key'>> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...mods,
});

describe('caption editor keys', () => {
  it('maps the taggui shortcuts, with Ctrl or ⌘', () => {
    expect(captionKeyAction(press('ArrowUp', { ctrlKey: true }))).toBe('previous');
    expect(captionKeyAction(press('ArrowDown', { metaKey: true }))).toBe('next');
    expect(captionKeyAction(press('j', { ctrlKey: true }))).toBe('next-unreviewed');
    expect(captionKeyAction(press('Enter', { ctrlKey: true }))).toBe('review-and-next');
    expect(captionKeyAction(press('z', { ctrlKey: true }))).toBe('undo');
    expect(captionKeyAction(press('Z', { ctrlKey: true, shiftKey: true }))).toBe('redo');
    expect(captionKeyAction(press('y', { ctrlKey: true }))).toBe('redo');
  });

  it('leaves plain typing, other chords and Alt combinations to the page', () => {
    expect(captionKeyAction(press('ArrowDown'))).toBeNull();
    expect(captionKeyAction(press('Enter'))).toBeNull();
    expect(captionKeyAction(press('z'))).toBeNull();
    expect(captionKeyAction(press('c', { ctrlKey: true }))).toBeNull();
    expect(captionKeyAction(press('z', { ctrlKey: true, altKey: true }))).toBeNull();
    expect(captionKeyAction(press('ArrowDown', { ctrlKey: true, shiftKey: true }))).toBeNull();
  });
});

describe('filmstrip navigation', () => {
  const items = [
    { imageId: 4, reviewed: true },
    { imageId: 7, reviewed: false },
    { imageId: 9, reviewed: true },
    { imageId: 12, reviewed: false },
  ];
  const ids = items.map((i) => i.imageId);

  it('moves one image at a time and stops at the ends', () => {
    expect(neighbourId(ids, 7, 1)).toBe(9);
    expect(neighbourId(ids, 7, -1)).toBe(4);
    expect(neighbourId(ids, 12, 1)).toBe(12);
    expect(neighbourId(ids, 4, -1)).toBe(4);
    expect(neighbourId(ids, null, 1)).toBe(4);
    expect(neighbourId(ids, 99, 1)).toBe(4);
    expect(neighbourId([], 4, 1)).toBeNull();
  });

  it('jumps to the next unreviewed image, wrapping around, and says when there is none', () => {
    expect(nextUnreviewedId(items, 4)).toBe(7);
    expect(nextUnreviewedId(items, 7)).toBe(12);
    expect(nextUnreviewedId(items, 12)).toBe(7);
    expect(nextUnreviewedId(items, null)).toBe(7);
    expect(nextUnreviewedId([{ imageId: 1, reviewed: false }], 1)).toBeNull();
    expect(nextUnreviewedId(items.map((i) => ({ ...i, reviewed: true })), 4)).toBeNull();
  });

  it('shows reviewed first, then flagged when the lint found something', () => {
    const issue = { rule: 'leak' as const, severity: 'warning' as const, message: '', imageId: 1, spans: [] };
    expect(captionState({ reviewed: true, issues: [issue] })).toBe('reviewed');
    expect(captionState({ reviewed: false, issues: [issue] })).toBe('flagged');
    expect(captionState({ reviewed: false, issues: [] })).toBe('unreviewed');
  });
});

describe('undo of bulk steps', () => {
  it('asks before undoing a step that changed many captions, not a single edit', () => {
    for (const single of ['Edit caption', 'Mark reviewed', 'Mark unreviewed', 'Mark 1 image reviewed']) expect(isBulkStep(single)).toBe(false);
    for (const bulk of ['Find and replace "red" → "blue"', 'Add prefix "sks"', 'Remove "red hair"', 'Insert trigger "sks"', 'Auto-caption (template)', 'Mark 12 images reviewed']) {
      expect(isBulkStep(bulk)).toBe(true);
    }
  });
});

describe('caption highlighting', () => {
  it('cuts the text at every mark and joins back to exactly the text', () => {
    const text = 'a photo of sks person, red hair';
    const segments = highlightSegments(text, [
      { start: 11, end: 14, kind: 'trigger' },
      { start: 23, end: 31, kind: 'warning' },
    ]);
    expect(segments.map((s) => s.text).join('')).toBe(text);
    expect(segments).toEqual([
      { text: 'a photo of ', kinds: [] },
      { text: 'sks', kinds: ['trigger'] },
      { text: ' person, ', kinds: [] },
      { text: 'red hair', kinds: ['warning'] },
    ]);
  });

  it('keeps every kind where marks overlap, and ignores empty or out-of-range marks', () => {
    const segments = highlightSegments('sks red hair', [
      { start: 0, end: 12, kind: 'warning' },
      { start: 0, end: 3, kind: 'trigger' },
      { start: 5, end: 5, kind: 'error' },
      { start: 20, end: 30, kind: 'error' },
    ]);
    expect(segments).toEqual([
      { text: 'sks', kinds: ['warning', 'trigger'] },
      { text: ' red hair', kinds: ['warning'] },
    ]);
    expect(highlightSegments('', [{ start: 0, end: 3, kind: 'trigger' }])).toEqual([]);
  });
});
