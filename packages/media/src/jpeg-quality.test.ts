// The quality read from quantisation tables tracks the quality the encoder was given, across the range, for
// baseline and progressive files; anything without a table gets null instead of a guess.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { estimateJpegQuality, luminanceTable } from './jpeg-quality';
import { photoPixels } from './test-images';

describe('JPEG quality from quantisation tables', () => {
  it('recovers the encoder’s quality within 2 for libjpeg-style tables', async () => {
    const { data, info } = photoPixels(1, 64, 48);
    for (const quality of [5, 10, 20, 30, 50, 70, 85, 92, 100]) {
      for (const progressive of [false, true]) {
        const bytes = await sharp(data, { raw: info }).jpeg({ quality, progressive, mozjpeg: false }).toBuffer();
        const estimate = estimateJpegQuality(bytes)!;
        expect(Math.abs(estimate - quality), `quality ${quality}${progressive ? ' progressive' : ''} → ${estimate}`).toBeLessThanOrEqual(2);
      }
    }
  });

  it('says null for other formats and for a JPEG cut before its tables', async () => {
    const { data, info } = photoPixels(2, 32, 32);
    expect(estimateJpegQuality(await sharp(data, { raw: info }).png().toBuffer())).toBeNull();
    const jpeg = await sharp(data, { raw: info }).jpeg().toBuffer();
    expect(luminanceTable(jpeg)).toHaveLength(64);
    expect(estimateJpegQuality(jpeg.subarray(0, 20))).toBeNull();
    expect(estimateJpegQuality(new Uint8Array(0))).toBeNull();
  });
});
