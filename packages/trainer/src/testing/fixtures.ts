// Test fixtures on disk: a tiny model folder and a small captioned image folder, made from code in milliseconds.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeTinyPixelModel } from './tiny-pixel-model';

const COLOURS: [number, number, number][] = [[230, 60, 60], [60, 200, 90], [70, 90, 230], [240, 200, 40], [160, 70, 200], [40, 200, 210]];

/** `count` 24×24 images of a coloured disc on white, each with a caption that contains `trigger`. */
export async function writeImageFolder(dir: string, count: number, trigger = 'sks'): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const [r, g, b] = COLOURS[i % COLOURS.length]!;
    const side = 24;
    const data = Buffer.alloc(side * side * 3, 255);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        if ((x - 12 - (i % 3)) ** 2 + (y - 12) ** 2 < 36 + 4 * i) data.set([r, g, b], (y * side + x) * 3);
      }
    }
    await sharp(data, { raw: { width: side, height: side, channels: 3 } }).png().toFile(join(dir, `img-${i}.png`));
    writeFileSync(join(dir, `img-${i}.txt`), `a ${trigger} disc, colour ${i}, on white`);
  }
}

export async function writeFixtures(root: string, images = 4): Promise<{ model: string; dataset: string }> {
  const model = join(root, 'model');
  const dataset = join(root, 'images');
  writeTinyPixelModel(model);
  await writeImageFolder(dataset, images);
  return { model, dataset };
}
