import { describe, expect, it } from 'vitest';
import { bytesToFloat, floatToBytes, patchify, patchifyPixels, unpatchify, unpatchifyPixels } from './patchify';
import type { RgbImage } from './pixels';

function randomImage(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) { s = (s * 1103515245 + 12345) >>> 0; data[i] = s >>> 24; }
  return { width, height, data };
}

describe('pixel patchify', () => {
  it('round-trips every byte exactly', () => {
    const img = randomImage(32, 32, 1);
    const f = { size: 32, patch: 4 };
    const tokens = patchify(img, f);
    expect(tokens.length).toBe(64 * 48);
    expect(Array.from(floatToBytes(unpatchify(tokens, f)).data)).toEqual(Array.from(img.data));
  });

  it('puts channels in FLUX.2 "c pi pj" order inside a token, tokens row-major', () => {
    const img = randomImage(8, 4, 2);
    const tokens = patchifyPixels(bytesToFloat(img), 2);
    // token (row 1, col 2) = index 1·4 + 2; channel c=2, pi=1, pj=0 → 2·4 + 1·2 + 0
    const pixel = ((1 * 2 + 1) * 8 + 2 * 2 + 0) * 3 + 2;
    expect(tokens[(1 * 4 + 2) * 12 + 2 * 4 + 2]).toBeCloseTo(img.data[pixel]! / 127.5 - 1, 6);
    expect(unpatchifyPixels(tokens, 8, 4, 2).pixels).toEqual(bytesToFloat(img).pixels);
  });

  it('refuses images of the wrong size with a message that says what to do', () => {
    expect(() => patchify(randomImage(30, 30, 3), { size: 32, patch: 4 })).toThrow(/32×32.*Resize/);
    expect(() => patchifyPixels(bytesToFloat(randomImage(6, 8, 3)), 4)).toThrow(/multiples of the patch size 4/);
  });
});
