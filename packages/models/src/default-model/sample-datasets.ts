// The two sample datasets that ship in resources/samples/, rendered from fluentui-emoji (MIT) SVGs:
//  - style:   40 Fluent emoji in their black line-art ("high contrast") look on white, captioned
//             "<what it is>, in the style of flt": a look the colourful base model has never drawn, so whether
//             the trigger moves a sample toward it (and a prompt without the trigger does not) shows at a glance;
//  - subject: 20 pictures of ONE gradient ("modern") Fluent character, the teddy bear, on varied backgrounds,
//             sizes and positions, captioned "a photo of sks character on a blue background, small, top left".
// The base model learned Google's emoji, never Fluent's look, so both LoRAs have something visible to learn.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { RgbaImage, RgbImage } from './pixels';
import { describePlacement, PLAIN_PLACEMENT, placeCharacter, randomPlacement, type Placement } from './placement';
import { SeededRandom } from '@lora-studio/onnx';

export const STYLE_TRIGGER = 'flt';
export const SUBJECT_TRIGGER = 'sks';
export const SUBJECT_CHARACTER = 'teddy-bear';

/** Fluent file names (icons/<look>/<name>.svg); all of them have a Google emoji the base model learned. */
export const STYLE_CHARACTERS = [
  'grinning-face', 'smiling-face-with-heart-eyes', 'face-with-tears-of-joy', 'winking-face', 'thinking-face',
  'ghost', 'alien', 'robot', 'cat-face', 'dog-face', 'fox', 'lion', 'panda', 'frog', 'penguin', 'owl', 'butterfly',
  'turtle', 'octopus', 'tropical-fish', 'red-apple', 'banana', 'watermelon', 'pizza', 'hamburger', 'doughnut',
  'birthday-cake', 'hot-beverage', 'sunflower', 'cactus', 'deciduous-tree', 'sun', 'crescent-moon', 'rainbow',
  'snowflake', 'fire', 'rocket', 'house', 'guitar', 'light-bulb',
] as const;

export function fluentEmojiFolder(): string {
  return dirname(createRequire(import.meta.url).resolve('fluentui-emoji/package.json'));
}

/** Rasterise a Fluent SVG (viewBox 32×32) to `side`×`side` RGBA; sharp/librsvg draws it, nothing else resamples. */
export async function renderFluentSvg(look: 'flat' | 'high-contrast' | 'modern', name: string, side: number, folder = fluentEmojiFolder()): Promise<RgbaImage> {
  const svg = readFileSync(join(folder, 'icons', look, `${name}.svg`));
  const { data, info } = await sharp(svg, { density: (72 * side) / 32 }).resize(side, side, { fit: 'fill' }).ensureAlpha().raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

export interface SampleDatasetImage {
  file: string;
  caption: string;
  image: RgbImage;
}

/** Render large then shrink by area averaging: thin SVG strokes survive better than at a direct tiny raster. */
const RENDER_SIDE = 256;

export async function styleDataset(side: number, folder = fluentEmojiFolder()): Promise<SampleDatasetImage[]> {
  const out: SampleDatasetImage[] = [];
  for (const [i, name] of STYLE_CHARACTERS.entries()) {
    const character = await renderFluentSvg('high-contrast', name, RENDER_SIDE, folder);
    out.push({
      file: `${String(i + 1).padStart(2, '0')}-${name}`,
      caption: `${name.replace(/-/g, ' ')}, in the style of ${STYLE_TRIGGER}`,
      image: placeCharacter(character, side, PLAIN_PLACEMENT),
    });
  }
  return out;
}

export async function subjectDataset(side: number, count = 20, seed = 5, folder = fluentEmojiFolder()): Promise<SampleDatasetImage[]> {
  const character = await renderFluentSvg('modern', SUBJECT_CHARACTER, RENDER_SIDE, folder);
  const rng = new SeededRandom(seed);
  const out: SampleDatasetImage[] = [];
  const seen = new Set<string>();
  while (out.length < count) {
    const p: Placement = out.length === 0 ? PLAIN_PLACEMENT : randomPlacement(rng);
    const key = describePlacement(p);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      file: String(out.length + 1).padStart(2, '0'),
      caption: `a photo of ${SUBJECT_TRIGGER} character ${key}`,
      image: placeCharacter(character, side, p),
    });
  }
  return out;
}

/** Replace `dir` with PNG + .txt caption pairs. */
export async function writeDataset(dir: string, images: SampleDatasetImage[]): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const s of images) {
    const png = await sharp(s.image.data, { raw: { width: s.image.width, height: s.image.height, channels: 3 } })
      .png({ compressionLevel: 9, palette: false }).toBuffer();
    writeFileSync(join(dir, `${s.file}.png`), png);
    writeFileSync(join(dir, `${s.file}.txt`), `${s.caption}\n`);
  }
}
