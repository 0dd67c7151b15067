import { describe, expect, it } from 'vitest';
import { maskOwnerStem } from './masks';

describe('mask file names', () => {
  it('names the image a mask belongs to, and nothing else', () => {
    expect(maskOwnerStem('a_mask.png')).toBe('a');
    expect(maskOwnerStem('photo 1_mask.JPG')).toBe('photo 1');
    expect(maskOwnerStem('a_mask.webp')).toBe('a');
    expect(maskOwnerStem('a_mask.gif')).toBeNull();
    expect(maskOwnerStem('_mask.png')).toBeNull();
    expect(maskOwnerStem('a.png')).toBeNull();
    expect(maskOwnerStem('a_mask')).toBeNull();
  });
});
