import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACE_INPUT_SIZE, FaceCounter } from './face-counter';
import { photoJpeg } from './test-images';
import { TextReader } from './text-reader';

/** A generated photo-like image with a caption-style text stamp drawn by librsvg through sharp. */
async function stamped(text: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">
    <rect x="60" y="250" width="680" height="110" fill="white" fill-opacity="0.85"/>
    <text x="90" y="330" font-family="DejaVu Sans, sans-serif" font-size="64" fill="black">${text}</text></svg>`;
  return sharp(await photoJpeg(11, 800, 600)).composite([{ input: Buffer.from(svg) }]).jpeg().toBuffer();
}

async function rgb(bytes: Buffer) {
  const { data, info } = await sharp(bytes).resize(FACE_INPUT_SIZE, FACE_INPUT_SIZE, { fit: 'inside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('text reader (tesseract.js, offline)', () => {
  let reader: TextReader;
  beforeAll(async () => {
    reader = await TextReader.create();
  }, 180_000);
  afterAll(() => reader.close());

  it('reads a text stamp and finds no text in a clean photo-like image', async () => {
    const found = await reader.read(await stamped('STOCK PHOTO'));
    expect(found.words.join(' ')).toMatch(/STOCK/);
    expect(found.confidence).toBeGreaterThan(70);
    expect((await reader.read(await photoJpeg(12, 800, 600))).words).toEqual([]);
  }, 180_000);
});

describe('face counter (face-api on tfjs-wasm, offline)', () => {
  it('counts the faces of a demo photo shipped by face-api and none in a generated image', async () => {
    const counter = await FaceCounter.create();
    // A group photo that ships with face-api (tests only; photos of people are never committed here).
    const demo = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');
    expect(await counter.count(await rgb(await sharp(demo).toBuffer()))).toBe(3);
    expect(await counter.count(await rgb(await photoJpeg(13, 800, 600)))).toBe(0);
  }, 180_000);
});
