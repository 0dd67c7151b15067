// The pretraining corpus: every Google emoji of emoji-datasource-google (Apache-2.0), 64×64 PNGs, with captions
// built from its name, short names and category, drawn with a random background, size and position that the
// caption states. Example i of a seeded corpus depends only on (seed, i), so a resumed run sees the same data.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { RgbaImage, RgbImage } from './pixels';
import { BACKGROUNDS, describePlacement, PLAIN_PLACEMENT, placeCharacter, POSITIONS, randomPlacement, SIZES, type Placement } from './placement';
import { buildVocabulary } from './word-ids';
import { SeededRandom } from '@lora-studio/onnx';

export interface EmojiEntry {
  /** Lower-case name, with the skin tone for a skin variation: "waving hand, medium skin tone". */
  name: string;
  shortNames: string[];
  /** Lower-case category: "smileys and emotion". */
  category: string;
  /** PNG file name inside img/google/64/. */
  image: string;
}

export interface CorpusExample {
  emoji: number;
  caption: string;
  placement: Placement;
  image: RgbImage;
}

const SKIN_TONES: Record<string, string> = {
  '1F3FB': 'light skin tone', '1F3FC': 'medium-light skin tone', '1F3FD': 'medium skin tone',
  '1F3FE': 'medium-dark skin tone', '1F3FF': 'dark skin tone',
};

interface RawEmoji {
  name: string | null;
  unified: string;
  short_names: string[];
  category: string;
  image: string;
  has_img_google: boolean;
  skin_variations?: Record<string, { image: string; has_img_google: boolean }>;
}

export function emojiDatasourceFolder(): string {
  return dirname(createRequire(import.meta.url).resolve('emoji-datasource-google/package.json'));
}

function words(s: string): string {
  return s.toLowerCase().replace(/&/g, 'and').replace(/_/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * Which emoji a corpus holds. 'all': every Google emoji, skin variations included (3,786). 'everyday': the faces,
 * animals, plants, food, places, vehicles and weather a user types (662) — no skin variations (at 32×32 they differ
 * only in one colour), no sequences joined by ZWJ (families, roles: near-identical figures), no flags, keycaps or
 * symbols. A model of this size learns names per pass over the corpus, so fewer, distinct emoji are learnt in the
 * passes a CPU gives.
 */
export type CorpusSelection = 'all' | 'everyday';
export const CORPUS_SELECTIONS: readonly CorpusSelection[] = ['all', 'everyday'];
const EVERYDAY_CATEGORIES = new Set(['Smileys & Emotion', 'Animals & Nature', 'Food & Drink', 'Travel & Places']);

function inSelection(e: RawEmoji, selection: CorpusSelection): boolean {
  if (selection === 'all') return true;
  return EVERYDAY_CATEGORIES.has(e.category) && !/\b(200D|20E3)\b/.test(e.unified);
}

/** The selection's emoji with a Google image, sorted by image file name (a stable order). */
export function listGoogleEmoji(selection: CorpusSelection = 'all', folder = emojiDatasourceFolder()): EmojiEntry[] {
  const raw = JSON.parse(readFileSync(join(folder, 'emoji.json'), 'utf8')) as RawEmoji[];
  const out: EmojiEntry[] = [];
  for (const e of raw) {
    if (!e.has_img_google || !inSelection(e, selection)) continue;
    const name = words(e.name ?? e.short_names[0] ?? e.image);
    const base = { shortNames: e.short_names.map(words), category: words(e.category) };
    out.push({ ...base, name, image: e.image });
    if (selection === 'everyday') continue;
    for (const [tones, v] of Object.entries(e.skin_variations ?? {})) {
      if (!v.has_img_google) continue;
      const toneWords = tones.split('-').map((t) => SKIN_TONES[t] ?? t.toLowerCase());
      out.push({ ...base, name: `${name}, ${[...new Set(toneWords)].join(', ')}`, image: v.image });
    }
  }
  return out.sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0));
}

/** Every word a caption of these emoji can have (names, short names, categories, placement phrases): the word path's vocabulary. */
export function captionVocabulary(entries: readonly EmojiEntry[]): string[] {
  const texts: string[] = [];
  for (const e of entries) texts.push(e.name, e.category, ...e.shortNames);
  for (const b of BACKGROUNDS) for (const s of SIZES) for (const p of POSITIONS) texts.push(describePlacement({ background: b.name, size: s.name, position: p.name }));
  return buildVocabulary(texts);
}

export async function loadEmojiImage(entry: EmojiEntry, folder = emojiDatasourceFolder()): Promise<RgbaImage> {
  const { data, info } = await sharp(join(folder, 'img', 'google', '64', entry.image)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** The caption's subject words: usually the name, sometimes a short name, sometimes with the category. */
function subjectWords(entry: EmojiEntry, rng: SeededRandom): string {
  const useShort = rng.uniform() < 0.25 && entry.shortNames.length > 0;
  const subject = useShort ? entry.shortNames[Math.floor(rng.uniform() * entry.shortNames.length)]! : entry.name;
  return rng.uniform() < 0.2 ? `${subject} (${entry.category})` : subject;
}

export class EmojiCorpus {
  private readonly resized: Map<number, RgbaImage>[];

  private constructor(readonly entries: EmojiEntry[], readonly images: RgbaImage[], readonly size: number) {
    this.resized = images.map(() => new Map());
  }

  /** Decode the selection's emoji images (all of them, or the first `limit` in file order for tests). */
  static async load(size: number, options: { selection?: CorpusSelection; limit?: number; folder?: string } = {}): Promise<EmojiCorpus> {
    const folder = options.folder ?? emojiDatasourceFolder();
    const entries = listGoogleEmoji(options.selection, folder).slice(0, options.limit);
    const images = await Promise.all(entries.map((e) => loadEmojiImage(e, folder)));
    return new EmojiCorpus(entries, images, size);
  }

  /**
   * Example `index` of the seeded stream: epoch e = floor(index / N) visits every emoji once in an order shuffled
   * by (seed, e); 40% of examples are plain (white, large, centered: no placement words), the rest say where.
   */
  example(index: number, seed: number): CorpusExample {
    const d = this.describe(index, seed);
    return { ...d, image: this.draw(d.emoji, d.placement) };
  }

  /** The emoji, caption and placement of example `index`, without drawing it. */
  describe(index: number, seed: number): Omit<CorpusExample, 'image'> {
    const n = this.entries.length;
    const emoji = epochOrder(n, seed, Math.floor(index / n))[index % n]!;
    const rng = new SeededRandom((seed * 1_000_003 + index * 7919 + 1) >>> 0);
    const plain = rng.uniform() < 0.4;
    const placement = plain ? PLAIN_PLACEMENT : randomPlacement(rng);
    const subject = subjectWords(this.entries[emoji]!, rng);
    return { emoji, placement, caption: plain ? subject : `${subject} ${describePlacement(placement)}` };
  }

  /** Emoji `emoji` drawn with `placement` at the corpus size. */
  draw(emoji: number, placement: Placement): RgbImage {
    return placeCharacter(this.images[emoji]!, this.size, placement, this.resized[emoji]);
  }
}

const orderCache = new Map<string, Uint32Array>();

/** Fisher–Yates permutation of 0..n-1 for one epoch. */
function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  const key = `${n}:${seed}:${epoch}`;
  let order = orderCache.get(key);
  if (!order) {
    if (orderCache.size > 4) orderCache.clear();
    const rng = new SeededRandom((seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
    order = new Uint32Array(n).map((_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    orderCache.set(key, order);
  }
  return order;
}
