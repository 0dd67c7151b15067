import type { ImageMetrics } from '@lora-studio/api';
import { describe, expect, it } from 'vitest';
import { faceChecksApply, imageFlags } from './flags';

// A sharp, well-exposed 1024² photo with a busy background: only the face count can raise a flag.
const photo = (faces: number): ImageMetrics => ({
  width: 1024, height: 1024, megapixels: 1.05, aspectRatio: 1, sharpness: 900, meanLuma: 120, highlightsClipped: 0, shadowsClipped: 0,
  jpegQuality: null, colourfulness: 40, borderStdDev: 40, phash: '0'.repeat(16), tiny: '0'.repeat(128), look: [], text: null, faces,
});

describe('face checks', () => {
  it('apply to subject projects of a person only (older subject projects count as people)', () => {
    expect(faceChecksApply({ type: 'subject', subjectKind: 'person' })).toBe(true);
    expect(faceChecksApply({ type: 'subject', subjectKind: null })).toBe(true);
    expect(faceChecksApply({ type: 'subject', subjectKind: 'thing' })).toBe(false);
    expect(faceChecksApply({ type: 'subject', subjectKind: 'character' })).toBe(false);
    expect(faceChecksApply({ type: 'style', subjectKind: null })).toBe(false);
  });

  it('a teddy bear has no face to miss; a person does', () => {
    const ids = (faceChecks: boolean, faces: number) =>
      imageFlags(photo(faces), { loraType: 'subject', faceChecks, crop: null, hasNearDuplicate: false }).map((f) => f.id);
    expect(ids(true, 0)).toEqual(['no-face']);
    expect(ids(true, 2)).toEqual(['multiple-faces']);
    expect(ids(false, 0)).toEqual([]);
    expect(ids(false, 2)).toEqual([]);
  });
});
