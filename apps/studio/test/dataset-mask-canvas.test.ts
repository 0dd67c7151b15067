import { describe, expect, it } from 'vitest';
import { invertMask, learntShare, MASK_PAINT_SIDE, maskCanvasSize, pngBase64 } from '../src/screens/dataset/mask-canvas';

describe('mask canvas', () => {
  it('paints at the image size up to 1024 px on the long side, keeping the shape', () => {
    expect(maskCanvasSize(600, 400)).toEqual({ width: 600, height: 400 });
    expect(maskCanvasSize(4000, 3000)).toEqual({ width: MASK_PAINT_SIDE, height: 768 });
    expect(maskCanvasSize(3000, 4000)).toEqual({ width: 768, height: MASK_PAINT_SIDE });
    // A sliver keeps at least one pixel.
    expect(maskCanvasSize(20_000, 5)).toEqual({ width: MASK_PAINT_SIDE, height: 1 });
  });

  it('inverts grey values and keeps alpha', () => {
    const rgba = Uint8ClampedArray.from([0, 0, 0, 255, 255, 255, 255, 255, 64, 64, 64, 128]);
    invertMask(rgba);
    expect([...rgba]).toEqual([255, 255, 255, 255, 0, 0, 0, 255, 191, 191, 191, 128]);
  });

  it('measures how much a mask teaches: white fully, grey in part, black not at all', () => {
    expect(learntShare(Uint8ClampedArray.from([0, 0, 0, 255, 0, 0, 0, 255]))).toBe(0);
    expect(learntShare(Uint8ClampedArray.from([255, 255, 255, 255, 0, 0, 0, 255]))).toBe(0.5);
    expect(learntShare(Uint8ClampedArray.from([51, 51, 51, 255]))).toBeCloseTo(0.2, 10);
  });

  it('sends the PNG without its data-URL prefix', () => {
    expect(pngBase64('data:image/png;base64,iVBORw0KGgo=')).toBe('iVBORw0KGgo=');
  });
});
