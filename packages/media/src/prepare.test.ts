import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { hashDistance } from './phash';
import { ImageRejected, prepareImage } from './prepare';
import { imageFlags } from './flags';
import { bombPng, photoJpeg, photoPixels, photoPng } from './test-images';

const flagsOf = async (bytes: Buffer) =>
  imageFlags((await prepareImage(bytes)).metrics, { loraType: 'style', faceChecks: false, crop: null, hasNearDuplicate: false }).map((f) => f.id);

describe('prepareImage', () => {
  it('measures a clean photo-like image without flags and makes two thumbnails', async () => {
    const p = await prepareImage(await photoJpeg(1, 1280, 1024));
    expect(p.format).toBe('jpeg');
    expect(p.metrics).toMatchObject({ width: 1280, height: 1024, megapixels: 1.31 });
    expect(imageFlags(p.metrics, { loraType: 'style', faceChecks: false, crop: null, hasNearDuplicate: false })).toEqual([]);
    expect((await sharp(p.thumbSmall).metadata()).width).toBe(256);
    expect((await sharp(p.thumbLarge).metadata()).width).toBe(1024);
  });

  it('flags blur, low resolution, heavy compression, exposure, aspect and plain backgrounds', async () => {
    const { data, info } = photoPixels(2, 900, 700);
    const png = await sharp(data, { raw: info }).png().toBuffer();
    expect(await flagsOf(await sharp(png).blur(5).jpeg({ quality: 92 }).toBuffer())).toContain('blurry');
    expect(await flagsOf(await photoJpeg(3, 400, 300))).toContain('low-resolution');
    expect(await flagsOf(await photoJpeg(3, 800, 600))).toEqual(['below-1024']);
    expect(await flagsOf(await sharp(png).blur(1.5).jpeg({ quality: 8 }).toBuffer())).toContain('heavy-compression');
    expect(await flagsOf(await sharp(png).linear(0.15, 0).jpeg().toBuffer())).toContain('underexposed');
    expect(await flagsOf(await sharp(png).linear(1, 200).jpeg().toBuffer())).toContain('overexposed');
    expect(await flagsOf(await photoJpeg(4, 2400, 800))).toContain('extreme-aspect');
    const plain = await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#dddddd' } })
      .composite([{ input: await sharp(await photoPng(5, 400, 400)).toBuffer(), left: 312, top: 312 }])
      .png()
      .toBuffer();
    expect(await flagsOf(plain)).toContain('uniform-background');
  });

  it('applies EXIF orientation and reads camera and capture time', async () => {
    const rotated = await sharp(await photoJpeg(6, 800, 600))
      .withExif({ IFD0: { Make: 'Canon', Model: 'EOS R6' }, IFD2: { DateTimeOriginal: '2024:05:01 10:00:00' } })
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const p = await prepareImage(rotated);
    expect([p.metrics.width, p.metrics.height]).toEqual([600, 800]);
    expect(p.exif).toEqual({ make: 'Canon', model: 'EOS R6', takenAt: '2024-05-01T10:00:00', orientation: 6 });
    expect((await sharp(p.thumbLarge).metadata()).height).toBeGreaterThan((await sharp(p.thumbLarge).metadata()).width!);
  });

  it('gives near-identical hashes to a resized re-save and distant ones to another picture', async () => {
    const a = await prepareImage(await photoJpeg(7, 1000, 750));
    const resaved = await prepareImage(await sharp(await photoJpeg(7, 1000, 750)).resize(640).jpeg({ quality: 70 }).toBuffer());
    const other = await prepareImage(await photoJpeg(8, 1000, 750));
    expect(hashDistance(a.metrics.phash, resaved.metrics.phash)).toBeLessThanOrEqual(4);
    expect(hashDistance(a.metrics.phash, other.metrics.phash)).toBeGreaterThan(16);
  });

  it('decodes PNG, WebP, AVIF, TIFF and the first frame of a GIF', async () => {
    const { data, info } = photoPixels(9, 240, 180);
    for (const format of ['png', 'webp', 'avif', 'tiff', 'gif'] as const) {
      const bytes = await sharp(data, { raw: info }).toFormat(format).toBuffer();
      expect((await prepareImage(bytes)).metrics.width, format).toBe(240);
    }
  });

  it('refuses empty, truncated, fake and bomb images with a reason', async () => {
    const jpeg = await photoJpeg(10);
    await expect(prepareImage(Buffer.alloc(0))).rejects.toThrow(/empty/);
    await expect(prepareImage(jpeg.subarray(0, jpeg.length / 2))).rejects.toThrow(/cut off/);
    await expect(prepareImage(Buffer.from('this is a text file, not a JPEG'))).rejects.toThrow(ImageRejected);
    await expect(prepareImage(await bombPng())).rejects.toThrow(/declares 60000×60000 pixels/);
  });
});
