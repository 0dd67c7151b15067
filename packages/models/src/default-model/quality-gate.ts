// The pretraining quality gate: sample 20 training captions and 20 unseen emoji × placement combinations, and
// measure (1) how often a sample's nearest corpus image (pixel distance, every emoji drawn with the prompted
// placement) is the prompted emoji, against chance, and (2) how often its background is the prompted colour.
import type { DefaultModel } from './default-model';
import type { EmojiCorpus } from './emoji-corpus';
import type { RgbImage } from './pixels';
import { BACKGROUNDS, describePlacement, randomPlacement, type Placement } from './placement';
import { SeededRandom } from '@lora-studio/onnx';

export interface GatePrompt {
  kind: 'training' | 'unseen';
  emoji: number;
  placement: Placement;
  caption: string;
}

export interface GateResult {
  prompt: GatePrompt;
  sample: RgbImage;
  /** Rank of the prompted emoji among all corpus emoji by pixel distance to the sample (1 = nearest). */
  rank: number;
  nearestName: string;
  /** The background colour nearest to the sample's border pixels. */
  background: string;
}

export interface GateSummary {
  kind: string;
  prompts: number;
  top1: number;
  top10: number;
  /** Nearest emoji has the same name before any skin tone ("waving hand"). */
  top1BaseName: number;
  background: number;
  /** Median rank of the prompted emoji among all corpus emoji (chance: about half the corpus). */
  medianRank: number;
  chanceTop1: number;
  chanceTop10: number;
  chanceBackground: number;
}

/**
 * How many prompts the gate samples. The defaults (20 training captions, one unseen placement per well-known name) are
 * the prompts of every figure in the model's README; one prompt is then 5 points, so a larger gate (100 + 100)
 * separates two models that the default one cannot.
 */
export interface GateSize {
  training?: number;
  /** Each round gives every well-known name one more placement no training caption had. */
  unseenRounds?: number;
}

/** Emoji whose names a user would type; unseen combinations use them with placements no training caption had. */
const WELL_KNOWN = ['grinning face', 'apple', 'dog face', 'rocket', 'slice of pizza', 'sun with face', 'ghost', 'cat face', 'banana', 'fire',
  'heart', 'snowman', 'frog face', 'tulip', 'house building', 'extraterrestrial alien', 'robot face', 'panda face', 'watermelon', 'crescent moon'];

export function gatePrompts(corpus: EmojiCorpus, seed: number, examplesSeen: number, size: GateSize = {}): GatePrompt[] {
  const trainingCount = size.training ?? 20;
  const rounds = size.unseenRounds ?? 1;
  const seen = new Set<string>();
  for (let i = 0; i < examplesSeen; i++) seen.add(corpus.describe(i, seed).caption);
  const training: GatePrompt[] = [];
  const stride = Math.max(1, Math.floor(examplesSeen / trainingCount));
  for (let i = 0; training.length < trainingCount; i += stride) {
    const d = corpus.describe(i % Math.max(1, examplesSeen), seed);
    training.push({ kind: 'training', emoji: d.emoji, placement: d.placement, caption: d.caption });
  }
  const known = WELL_KNOWN
    .map((name) => ({ name, emoji: corpus.entries.findIndex((e) => !e.name.includes(',') && (e.name === name || e.shortNames.includes(name))) }))
    .filter((k) => k.emoji >= 0);
  const rng = new SeededRandom(seed + 99);
  const unseen: GatePrompt[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const { name, emoji } of known) {
      for (;;) {
        const placement = randomPlacement(rng);
        const caption = `${name} ${describePlacement(placement)}`;
        if (!seen.has(caption)) { unseen.push({ kind: 'unseen', emoji, placement, caption }); break; }
      }
    }
  }
  return [...training, ...unseen];
}

function distance(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += (a[i]! - b[i]!) ** 2;
  return d;
}

/** Background colour nearest to the mean of the outermost ring of pixels. */
function borderColour(img: RgbImage): string {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) {
    if (x !== 0 && y !== 0 && x !== img.width - 1 && y !== img.height - 1) continue;
    for (let c = 0; c < 3; c++) sum[c]! += img.data[(y * img.width + x) * 3 + c]!;
    n++;
  }
  const mean = sum.map((s) => s / n);
  let best = BACKGROUNDS[0]!;
  for (const b of BACKGROUNDS) if (b.rgb.reduce((d, v, i) => d + (v - mean[i]!) ** 2, 0) < best.rgb.reduce((d, v, i) => d + (v - mean[i]!) ** 2, 0)) best = b;
  return best.name;
}

/** Where the prompted emoji ranks among all corpus emoji (drawn as prompted) by pixel distance to `sample`. */
export function judgeSample(corpus: EmojiCorpus, prompt: GatePrompt, sample: RgbImage): GateResult {
  const distances = corpus.entries.map((_, e) => distance(sample.data, corpus.draw(e, prompt.placement).data));
  const mine = distances[prompt.emoji]!;
  const rank = 1 + distances.filter((d) => d < mine).length;
  const nearest = distances.indexOf(Math.min(...distances));
  return { prompt, sample, rank, nearestName: corpus.entries[nearest]!.name, background: borderColour(sample) };
}

export async function runQualityGate(model: DefaultModel, corpus: EmojiCorpus, prompts: GatePrompt[], o: { seed: number; steps: number; guidance: number; startTime?: number }): Promise<GateResult[]> {
  const samples = await model.sample(prompts.map((p) => p.caption), { seed: o.seed, steps: o.steps, guidance: o.guidance, startTime: o.startTime });
  return prompts.map((prompt, i) => judgeSample(corpus, prompt, samples[i]!));
}

export function summarizeGate(results: GateResult[], corpus: EmojiCorpus): GateSummary[] {
  const n = corpus.entries.length;
  const base = (name: string) => name.split(',')[0]!;
  return (['training', 'unseen'] as const).map((kind) => {
    const rs = results.filter((r) => r.prompt.kind === kind);
    const share = (f: (r: GateResult) => boolean) => rs.filter(f).length / Math.max(1, rs.length);
    return {
      kind,
      prompts: rs.length,
      top1: share((r) => r.rank === 1),
      top10: share((r) => r.rank <= 10),
      top1BaseName: share((r) => base(r.nearestName) === base(corpus.entries[r.prompt.emoji]!.name)),
      background: share((r) => r.background === r.prompt.placement.background),
      medianRank: rs.length ? rs.map((r) => r.rank).sort((a, b) => a - b)[Math.floor(rs.length / 2)]! : NaN,
      chanceTop1: 1 / n,
      chanceTop10: 10 / n,
      chanceBackground: 1 / BACKGROUNDS.length,
    };
  });
}
