/** What a key press means in the Dataset view: arrows move the selection, Space/X toggle exclude, Esc closes. */
export type DatasetKeyAction = { kind: 'select'; index: number } | { kind: 'toggle-exclude' } | { kind: 'close' };

export interface GridPosition {
  /** Index of the selected image in the shown list; -1 when none is selected. */
  index: number;
  count: number;
  columns: number;
}

export function datasetKeyAction(key: string, { index, count, columns }: GridPosition): DatasetKeyAction | null {
  if (key === 'Escape') return index >= 0 ? { kind: 'close' } : null;
  if (key === ' ' || key === 'x' || key === 'X') return index >= 0 ? { kind: 'toggle-exclude' } : null;
  const steps: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns };
  const step = steps[key];
  if (step === undefined || count === 0) return null;
  // With nothing selected yet, any arrow starts at the first image.
  if (index < 0) return { kind: 'select', index: 0 };
  const next = index + step;
  // Up/down past the edge stays put rather than wrapping; the last row may be short, so down lands on the last image.
  if (next < 0) return null;
  if (next >= count) return key === 'ArrowDown' && Math.floor(index / columns) < Math.floor((count - 1) / columns) ? { kind: 'select', index: count - 1 } : null;
  return { kind: 'select', index: next };
}
