/**
 * Geometry of the virtualized thumbnail grid: how many cards fit a row, how tall the whole list is, and which rows
 * the viewport shows. Only those rows are in the DOM, so 5,000 images cost as much to scroll as 50.
 */

export interface GridLayout {
  columns: number;
  cardWidth: number;
  /** Card height: the square thumbnail plus its name line. */
  rowHeight: number;
  gap: number;
  rows: number;
  totalHeight: number;
}

export interface GridSizing {
  minCardWidth: number;
  gap: number;
  /** Height of the name line under each square thumbnail. */
  footer: number;
}

export const DEFAULT_SIZING: GridSizing = { minCardWidth: 150, gap: 8, footer: 24 };

export function gridLayout(width: number, count: number, sizing: GridSizing = DEFAULT_SIZING): GridLayout {
  const { minCardWidth, gap, footer } = sizing;
  const columns = Math.max(1, Math.floor((width + gap) / (minCardWidth + gap)));
  // The cards stretch to fill the row exactly, so no ragged gap is left at the right edge.
  const cardWidth = Math.max(1, Math.floor((width - gap * (columns - 1)) / columns));
  const rowHeight = cardWidth + footer;
  const rows = Math.ceil(count / columns);
  const totalHeight = rows === 0 ? 0 : rows * rowHeight + (rows - 1) * gap;
  return { columns, cardWidth, rowHeight, gap, rows, totalHeight };
}

/** Rows [first, end) that intersect the viewport, widened by `overscan` rows each side so fast scrolls show no gaps. */
export function visibleRows(layout: GridLayout, scrollTop: number, viewportHeight: number, overscan = 2): { first: number; end: number } {
  const stride = layout.rowHeight + layout.gap;
  const first = Math.max(0, Math.floor(scrollTop / stride) - overscan);
  const end = Math.min(layout.rows, Math.ceil((scrollTop + viewportHeight) / stride) + overscan);
  return { first, end: Math.max(first, end) };
}

/** The scroll position that brings `row` fully into view, moving as little as possible. */
export function scrollToShowRow(layout: GridLayout, row: number, scrollTop: number, viewportHeight: number): number {
  const top = row * (layout.rowHeight + layout.gap);
  const bottom = top + layout.rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}
