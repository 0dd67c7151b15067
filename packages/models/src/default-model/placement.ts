// How a character is placed on the canvas, and the words that describe it in a caption. The pretraining corpus
// and the subject sample dataset share these words, so a LoRA prompt like "sks character on a blue background,
// small, top left" uses vocabulary the base model learned to obey.
import { drawOver, resizeArea, solidImage, type Rgb, type RgbaImage, type RgbImage } from './pixels';
import type { SeededRandom } from '@lora-studio/onnx';

export const BACKGROUNDS: readonly { name: string; rgb: Rgb }[] = [
  { name: 'white', rgb: [255, 255, 255] },
  { name: 'black', rgb: [24, 24, 24] },
  { name: 'gray', rgb: [128, 128, 128] },
  { name: 'red', rgb: [220, 40, 40] },
  { name: 'orange', rgb: [245, 140, 30] },
  { name: 'yellow', rgb: [250, 220, 50] },
  { name: 'green', rgb: [50, 170, 70] },
  { name: 'blue', rgb: [40, 90, 220] },
  { name: 'purple', rgb: [140, 60, 190] },
  { name: 'pink', rgb: [245, 150, 200] },
];

/** Side of the character as a fraction of the canvas side. */
export const SIZES: readonly { name: string; fraction: number }[] = [
  { name: 'large', fraction: 1 },
  { name: 'medium', fraction: 0.6875 },
  { name: 'small', fraction: 0.4375 },
];

/** Where the character sits: 0 = left/top edge, 0.5 = centre, 1 = right/bottom edge. */
export const POSITIONS: readonly { name: string; x: number; y: number }[] = [
  { name: 'centered', x: 0.5, y: 0.5 },
  { name: 'top left', x: 0, y: 0 },
  { name: 'top', x: 0.5, y: 0 },
  { name: 'top right', x: 1, y: 0 },
  { name: 'left', x: 0, y: 0.5 },
  { name: 'right', x: 1, y: 0.5 },
  { name: 'bottom left', x: 0, y: 1 },
  { name: 'bottom', x: 0.5, y: 1 },
  { name: 'bottom right', x: 1, y: 1 },
];

export interface Placement {
  background: string;
  size: string;
  position: string;
}

/** The plain look: what a caption without placement words means. */
export const PLAIN_PLACEMENT: Placement = { background: 'white', size: 'large', position: 'centered' };

/** A random placement; a large character fills the canvas, so it is always centered. */
export function randomPlacement(rng: SeededRandom): Placement {
  const background = BACKGROUNDS[Math.floor(rng.uniform() * BACKGROUNDS.length)]!.name;
  const size = SIZES[Math.floor(rng.uniform() * SIZES.length)]!.name;
  const position = size === 'large' ? 'centered' : POSITIONS[Math.floor(rng.uniform() * POSITIONS.length)]!.name;
  return { background, size, position };
}

/** "on a blue background, small, top left" */
export function describePlacement(p: Placement): string {
  const article = /^[aeiou]/.test(p.background) ? 'an' : 'a';
  return `on ${article} ${p.background} background, ${p.size}, ${p.position}`;
}

function lookup<T extends { name: string }>(list: readonly T[], name: string, what: string): T {
  const found = list.find((e) => e.name === name);
  if (!found) throw new Error(`Unknown ${what} "${name}"; known: ${list.map((e) => e.name).join(', ')}.`);
  return found;
}

/**
 * Draw `character` (any size, square, transparent background) onto a `side`×`side` canvas. `resized` caches the
 * character shrunk to each pixel size, because the corpus draws every emoji many times at the same three sizes.
 */
export function placeCharacter(character: RgbaImage, side: number, p: Placement, resized?: Map<number, RgbaImage>): RgbImage {
  const canvas = solidImage(side, side, lookup(BACKGROUNDS, p.background, 'background').rgb);
  const px = Math.round(side * lookup(SIZES, p.size, 'size').fraction);
  let sprite = resized?.get(px);
  if (!sprite) {
    sprite = px === character.width ? character : resizeArea(character, px, px);
    resized?.set(px, sprite);
  }
  const pos = lookup(POSITIONS, p.position, 'position');
  return drawOver(canvas, sprite, Math.round((side - px) * pos.x), Math.round((side - px) * pos.y));
}
