import { describe, expect, it } from 'vitest';
import { base64Of, pairDroppedMasks } from '../src/store/dropped-masks';

const files = (...names: string[]) => names.map((name) => ({ name }));

describe('masks among dropped files', () => {
  it('pairs NAME_mask.png with NAME.<ext> and leaves a mask without its image as an image', () => {
    const dropped = files('a.jpg', 'a_mask.png', 'b.png', 'c_mask.webp', 'd.webp', 'd_mask.JPG');
    const { images, maskOf } = pairDroppedMasks(dropped);
    expect(images.map((f) => f.name)).toEqual(['a.jpg', 'b.png', 'c_mask.webp', 'd.webp']);
    expect([...maskOf].map(([image, mask]) => [image.name, mask.name])).toEqual([['a.jpg', 'a_mask.png'], ['d.webp', 'd_mask.JPG']]);
  });

  it('encodes large files to the same base64 as in one piece', () => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) % 256);
    expect(base64Of(bytes)).toBe(Buffer.from(bytes).toString('base64'));
  });
});
