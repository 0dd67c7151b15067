import { crc32 } from 'node:zlib';
import sharp from 'sharp';

/**
 * Deterministic generator (mulberry32), so generated test images are identical on every run; the end-to-end photos
 * use it too. Test support only: the product's seeded generator is SeededRandom in @lora-studio/onnx, which this
 * package does not depend on.
 */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A photo-like test image, different for every seed: a lit gradient backdrop, a few shapes and fine sensor-like
 * grain. Sharp, well exposed and varied, so it raises no flag by itself. Returns raw RGB for further processing.
 */
export function photoPixels(seed: number, width: number, height: number): { data: Buffer; info: { width: number; height: number; channels: 3 } } {
  const rnd = random(seed);
  const base = [40 + rnd() * 150, 40 + rnd() * 150, 40 + rnd() * 150];
  const shapes = Array.from({ length: 6 }, () => ({
    cx: rnd() * width, cy: rnd() * height, r: (0.08 + rnd() * 0.2) * Math.min(width, height),
    colour: [rnd() * 255, rnd() * 255, rnd() * 255],
  }));
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const shade = 0.7 + 0.5 * (x / width) * (y / height);
      let c = base.map((v) => v * shade);
      for (const s of shapes) if ((x - s.cx) ** 2 + (y - s.cy) ** 2 < s.r ** 2) c = s.colour;
      const p = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) data[p + k] = Math.max(0, Math.min(255, c[k]! + (rnd() - 0.5) * 40));
    }
  }
  return { data, info: { width, height, channels: 3 } };
}

export async function photoJpeg(seed: number, width = 800, height = 600, quality = 92): Promise<Buffer> {
  const { data, info } = photoPixels(seed, width, height);
  return sharp(data, { raw: info }).jpeg({ quality }).toBuffer();
}

export async function photoPng(seed: number, width = 800, height = 600): Promise<Buffer> {
  const { data, info } = photoPixels(seed, width, height);
  return sharp(data, { raw: info }).png().toBuffer();
}

/** A valid tiny PNG whose header claims 60000×60000 pixels (CRC fixed up, so only the size gives it away). */
export async function bombPng(): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).png().toBuffer());
  png.writeUInt32BE(60000, 16);
  png.writeUInt32BE(60000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)) >>> 0, 29);
  return png;
}
