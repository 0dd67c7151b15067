import { describe, expect, it } from 'vitest';
import { drawOver, resizeArea, solidImage, type RgbaImage } from './pixels';
import { describePlacement, placeCharacter } from './placement';

function sprite(side: number, rgba: [number, number, number, number]): RgbaImage {
  const data = new Uint8Array(side * side * 4);
  for (let i = 0; i < side * side; i++) data.set(rgba, i * 4);
  return { width: side, height: side, data };
}

describe('area resize and compositing', () => {
  it('keeps a flat colour flat and averages a half-transparent edge without darkening it', () => {
    expect(Array.from(resizeArea(sprite(64, [200, 100, 50, 255]), 22, 22).data.slice(0, 8))).toEqual([200, 100, 50, 255, 200, 100, 50, 255]);
    const half = sprite(2, [255, 0, 0, 255]);
    half.data.set([0, 0, 0, 0], 4); // one transparent black pixel in the top row
    half.data.set([0, 0, 0, 0], 12);
    const one = resizeArea(half, 1, 1);
    expect(Array.from(one.data)).toEqual([255, 0, 0, 128]);
  });

  it('blends by alpha and clips a sprite that leaves the canvas', () => {
    const canvas = solidImage(4, 4, [0, 0, 255]);
    drawOver(canvas, sprite(2, [255, 0, 0, 128]), 3, 3);
    expect(Array.from(canvas.data.slice(15 * 3, 16 * 3))).toEqual([128, 0, 127]);
    expect(Array.from(canvas.data.slice(0, 3))).toEqual([0, 0, 255]);
  });

  it('places a small character in the corner the caption names', () => {
    const img = placeCharacter(sprite(64, [0, 0, 0, 255]), 32, { background: 'white', size: 'small', position: 'bottom right' });
    const at = (x: number, y: number) => img.data[(y * 32 + x) * 3];
    expect(at(31, 31)).toBe(0);
    expect(at(0, 0)).toBe(255);
    expect(at(31 - 14, 31)).toBe(255);
    expect(describePlacement({ background: 'orange', size: 'small', position: 'top left' })).toBe('on an orange background, small, top left');
  });
});
