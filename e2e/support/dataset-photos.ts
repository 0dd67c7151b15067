import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { random } from '@lora-studio/media/testing';
import sharp from 'sharp';

const colour = (rnd: () => number) => `rgb(${[0, 0, 0].map(() => Math.round(40 + rnd() * 180)).join(',')})`;

/**
 * A photo-like picture, different for every seed: a lit gradient, a few sharp-edged shapes and sensor-like grain,
 * so on its own it is sharp, well exposed and raises no flag. Drawn as SVG and composited by sharp in one pipeline
 * (fast enough to make 30 in a few seconds); `overlay` is stamped on top (a watermark).
 */
async function photoJpeg(seed: number, size: number, overlay?: string): Promise<Buffer> {
  const rnd = random(seed);
  const shapes = Array.from({ length: 7 }, () => {
    const x = Math.round(rnd() * size);
    const y = Math.round(rnd() * size);
    const r = Math.round((0.06 + rnd() * 0.16) * size);
    return rnd() < 0.5
      ? `<circle cx="${x}" cy="${y}" r="${r}" fill="${colour(rnd)}"/>`
      : `<rect x="${x - r}" y="${y - r}" width="${2 * r}" height="${Math.round(r * (0.5 + rnd()))}" fill="${colour(rnd)}" transform="rotate(${Math.round(rnd() * 90)} ${x} ${y})"/>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="${rnd().toFixed(2)}" y2="1"><stop offset="0" stop-color="${colour(rnd)}"/><stop offset="1" stop-color="${colour(rnd)}"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>${shapes.join('')}</svg>`;
  return sharp(Buffer.from(svg))
    .composite([
      { input: await grain(size), raw: { width: size, height: size, channels: 3 }, blend: 'soft-light' },
      ...(overlay ? [{ input: Buffer.from(overlay) }] : []),
    ])
    .jpeg({ quality: 90 })
    .toBuffer();
}

const grains = new Map<number, Promise<Buffer>>();

/** Sensor-like grain, made once per size and kept raw: encoding it per photo would cost more than the photo. */
function grain(size: number): Promise<Buffer> {
  let made = grains.get(size);
  if (!made) {
    made = sharp({ create: { width: size, height: size, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 28 } } }).raw().toBuffer();
    grains.set(size, made);
  }
  return made;
}

export function photo(seed: number, size = 1024): Promise<Buffer> {
  return photoJpeg(seed, size);
}

export async function blurredPhoto(seed: number, size = 1024): Promise<Buffer> {
  return sharp(await photo(seed, size)).blur(12).jpeg({ quality: 90 }).toBuffer();
}

/** The same picture re-saved smaller: a near-duplicate, not a byte-for-byte copy. */
export async function resavedPhoto(original: Buffer, size: number): Promise<Buffer> {
  return sharp(original).resize(size, size).jpeg({ quality: 75 }).toBuffer();
}

/** A photo with a watermark-like caption stamped across it. */
export function textStampedPhoto(seed: number, size = 1024): Promise<Buffer> {
  const text = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">
    <text x="50%" y="88%" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="${Math.round(size / 11)}" font-weight="bold" fill="white" stroke="black" stroke-width="3">SAMPLE PHOTO</text></svg>`;
  return photoJpeg(seed, size, text);
}

export interface GeneratedPhoto {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/**
 * The e2e dataset: 30 files a user might drop. 22 good photos, 3 blurred, 2 tiny (below 512 px), one re-saved
 * near-duplicate of the first, one text-stamped, and one exact copy of the second under another name.
 */
export async function datasetPhotos(): Promise<{ unique: GeneratedPhoto[]; exactCopy: GeneratedPhoto }> {
  const jpeg = (name: string, buffer: Buffer): GeneratedPhoto => ({ name, mimeType: 'image/jpeg', buffer });
  const good = await Promise.all(Array.from({ length: 22 }, (_, i) => photo(i + 1)));
  const unique = [
    ...good.map((buffer, i) => jpeg(`photo-${String(i + 1).padStart(2, '0')}.jpg`, buffer)),
    ...(await Promise.all([31, 32, 33].map((seed) => blurredPhoto(seed)))).map((b, i) => jpeg(`blurred-${i + 1}.jpg`, b)),
    ...(await Promise.all([41, 42].map((seed) => photo(seed, 400)))).map((b, i) => jpeg(`tiny-${i + 1}.jpg`, b)),
    jpeg('photo-01-resaved.jpg', await resavedPhoto(good[0]!, 1000)),
    jpeg('stamped.jpg', await textStampedPhoto(51)),
  ];
  return { unique, exactCopy: jpeg('copy-of-photo-02.jpg', good[1]!) };
}

/** Writes a PNG of one flat colour at `file` (making its folder), as a user would pick it from disk. */
export async function writePlainPng(file: string, width: number, height: number, background: { r: number; g: number; b: number }): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, await sharp({ create: { width, height, channels: 3, background } }).png().toBuffer());
}
