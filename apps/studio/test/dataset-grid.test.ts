import { describe, expect, it } from 'vitest';
import { datasetKeyAction } from '../src/screens/dataset/dataset-keys';
import { gridLayout, scrollToShowRow, visibleRows } from '../src/screens/dataset/grid-layout';

describe('virtualized thumbnail grid', () => {
  it('fits whole cards to the width and makes the list as tall as all its rows', () => {
    const layout = gridLayout(700, 29, { minCardWidth: 150, gap: 8, footer: 24 });
    expect(layout.columns).toBe(4);
    expect(layout.cardWidth).toBe(169); // (700 − 3 gaps) / 4, rounded down: no ragged right edge
    expect(layout.rows).toBe(8);
    expect(layout.totalHeight).toBe(8 * (169 + 24) + 7 * 8);
    expect(gridLayout(0, 10).columns).toBe(1);
    expect(gridLayout(700, 0).totalHeight).toBe(0);
  });

  it('renders only the rows in view plus overscan, however many images there are', () => {
    const layout = gridLayout(1000, 5000, { minCardWidth: 150, gap: 8, footer: 24 });
    const stride = layout.rowHeight + layout.gap;
    const top = visibleRows(layout, 0, 600, 2);
    expect(top.first).toBe(0);
    expect(top.end).toBe(Math.ceil(600 / stride) + 2);
    const middle = visibleRows(layout, 400 * stride, 600, 2);
    expect(middle.first).toBe(398);
    expect((middle.end - middle.first) * layout.columns).toBeLessThan(100);
    const bottom = visibleRows(layout, layout.totalHeight - 600, 600, 2);
    expect(bottom.end).toBe(layout.rows);
  });

  it('scrolls just enough to show a row above or below the viewport', () => {
    const layout = gridLayout(700, 100, { minCardWidth: 150, gap: 8, footer: 24 });
    const stride = layout.rowHeight + layout.gap;
    expect(scrollToShowRow(layout, 1, 0, 500)).toBe(0);
    expect(scrollToShowRow(layout, 5, 0, 500)).toBe(5 * stride + layout.rowHeight - 500);
    expect(scrollToShowRow(layout, 2, 10 * stride, 500)).toBe(2 * stride);
  });
});

describe('Dataset keyboard', () => {
  const at = (index: number) => ({ index, count: 10, columns: 4 });

  it('moves the selection with the arrows, a row at a time with up and down', () => {
    expect(datasetKeyAction('ArrowRight', at(0))).toEqual({ kind: 'select', index: 1 });
    expect(datasetKeyAction('ArrowLeft', at(5))).toEqual({ kind: 'select', index: 4 });
    expect(datasetKeyAction('ArrowDown', at(1))).toEqual({ kind: 'select', index: 5 });
    expect(datasetKeyAction('ArrowUp', at(5))).toEqual({ kind: 'select', index: 1 });
    expect(datasetKeyAction('ArrowDown', at(-1))).toEqual({ kind: 'select', index: 0 });
  });

  it('stops at the edges, and lands on the last image when the last row is short', () => {
    expect(datasetKeyAction('ArrowLeft', at(0))).toBeNull();
    expect(datasetKeyAction('ArrowUp', at(2))).toBeNull();
    expect(datasetKeyAction('ArrowRight', at(9))).toBeNull();
    expect(datasetKeyAction('ArrowDown', at(7))).toEqual({ kind: 'select', index: 9 });
    expect(datasetKeyAction('ArrowDown', at(9))).toBeNull();
    expect(datasetKeyAction('ArrowDown', { index: -1, count: 0, columns: 4 })).toBeNull();
  });

  it('toggles exclude with Space or X and closes with Esc, only with an image selected', () => {
    for (const key of [' ', 'x', 'X']) expect(datasetKeyAction(key, at(3))).toEqual({ kind: 'toggle-exclude' });
    expect(datasetKeyAction('Escape', at(3))).toEqual({ kind: 'close' });
    expect(datasetKeyAction('x', at(-1))).toBeNull();
    expect(datasetKeyAction('Escape', at(-1))).toBeNull();
    expect(datasetKeyAction('a', at(3))).toBeNull();
  });
});
