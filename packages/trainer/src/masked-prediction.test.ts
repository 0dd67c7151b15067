// Masked training, measured on the network's predictions (the embedded default model, pretrained, so a short run
// learns content rather than denoising itself): a LoRA trained where a mask keeps only the left half of each image
// learns the left half, and leaves the right half's prediction where the base model had it as far as what the right
// half shows goes (its error against the right half's target does not fall, while an unmasked run's falls twentyfold).
// The right half's prediction still moves a little, through the adapter weights both halves share (measured about a
// fifth of the unmasked run's change). With unmaskedWeight = 1 a masked run trains the very same adapter as an
// unmasked one.
import { DEFAULT_BASE_MODEL } from '@lora-studio/api';
import { adapterDelta, adapterFromValues, readFlux2Weight, type DenseTensor, type LoraTargets } from '@lora-studio/models';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BaseModel } from './base-model/base-model';
import { loadBaseModel } from './base-model/load-base-model';
import { BasePrediction } from './base-prediction';
import { checkpointFileName, readCheckpoint } from './checkpoint';
import { adapterSettings, type TrainingConfig } from './config';
import { loadDataset } from './data/dataset';
import { loadTrainingImage } from './data/images';
import { SeededRandom } from '@lora-studio/onnx';
import { prepareNewRun, resolveBaseDir } from './setup';
import { TrainingRun } from './training-run';

const SIDE = 32;
const IMAGES = 4;
const STEPS = 40;
let root: string;
let modelDir: string;
/** Left half: a different colour per image (the concept); right half: the same magenta everywhere. */
let plainDataset: string;
/** The same images, each with a mask that keeps its left half (white) and ignores its right half (black). */
let maskedDataset: string;
let model: BaseModel;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'masked-prediction-'));
  modelDir = resolveBaseDir(DEFAULT_BASE_MODEL);
  plainDataset = join(root, 'plain');
  maskedDataset = join(root, 'masked');
  const mask = Buffer.alloc(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) mask.fill(255, y * SIDE, y * SIDE + SIDE / 2);
  for (const dir of [plainDataset, maskedDataset]) mkdirSync(dir);
  for (let i = 0; i < IMAGES; i++) {
    const left = [[230, 60, 60], [60, 200, 90], [70, 90, 230], [240, 200, 40]][i]!;
    const pixels = Buffer.alloc(SIDE * SIDE * 3);
    for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) pixels.set(x < SIDE / 2 ? left : [250, 0, 250], (y * SIDE + x) * 3);
    const png = await sharp(pixels, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toBuffer();
    for (const dir of [plainDataset, maskedDataset]) {
      writeFileSync(join(dir, `img-${i}.png`), png);
      writeFileSync(join(dir, `img-${i}.txt`), `a sks picture, colour ${i}`);
    }
    await sharp(mask, { raw: { width: SIDE, height: SIDE, channels: 1 } }).png().toFile(join(maskedDataset, `img-${i}_mask.png`));
  }
  model = await loadBaseModel(modelDir, { threads: 1 });
});
afterAll(async () => {
  await model?.close();
  rmSync(root, { recursive: true, force: true });
});

const settings: Partial<TrainingConfig> = {
  steps: STEPS, checkpointEvery: STEPS, sampleEvery: 0, batchSize: 2, seed: 3, preservation: 0, priorImages: 0, lr: 1e-2,
  scheduler: 'constant', warmupSteps: 0, rank: 4, alpha: 4, targets: 'all-linear', flip: false, captionDropout: 0,
};

/** Trains and returns the run's last checkpoint. */
async function train(dataset: string, name: string, extra: Partial<TrainingConfig> = {}) {
  const runDir = join(root, name);
  const prepared = await prepareNewRun({ dataset, base: modelDir, runDir, type: 'subject', trigger: 'sks', overrides: { ...settings, ...extra } }, { threads: 1 });
  expect(await new TrainingRun(prepared, runDir, () => {}, { threads: 1 }).run()).toBe('finished');
  return readCheckpoint(join(runDir, 'checkpoints', checkpointFileName(STEPS)));
}

/** The base weights with each adapted layer's W replaced by W + ΔW: the trained network as plain weights. */
function mergedWeights(checkpoint: ReturnType<typeof readCheckpoint>): Record<string, DenseTensor> {
  const offsets = new Map<string, number>();
  let offset = 0;
  for (const slot of checkpoint.layout) {
    offsets.set(slot.name, offset);
    offset += slot.shape.reduce((a, d) => a * d, 1);
  }
  const slice = (name: string) => {
    const slot = checkpoint.layout.find((s) => s.name === name)!;
    return checkpoint.params.subarray(offsets.get(name)!, offsets.get(name)! + slot.shape.reduce((a, d) => a * d, 1));
  };
  const config = checkpoint.config;
  const targets = model.family.loraTargets(config.targets as LoraTargets);
  const adapter = adapterFromValues(config.adapter ?? 'lora', targets, adapterSettings(config), slice);
  const weights: Record<string, DenseTensor> = {};
  for (const spec of model.family.weightSpecs()) {
    const data = Float32Array.from(readFlux2Weight(model.weights, spec.name));
    const layer = adapter.layers.find((l) => `${l.path}.weight` === spec.name);
    if (layer) adapterDelta(layer).forEach((d, i) => { data[i]! += d; });
    weights[spec.name] = { shape: spec.shape, data };
  }
  return weights;
}

/** Per half of the image: the tokens the mask keeps (left) and ignores (right). */
interface Halves {
  left: number;
  right: number;
}

interface Measured {
  /** Mean squared change of the prediction from the base model's. */
  change: Halves;
  /** Mean squared error of the prediction against the training target (the velocity ε − x0). */
  error: Halves;
  /** The base model's own error, on the same inputs. */
  baseError: Halves;
}

/**
 * The trained network (`weights`) against the base model, per half, over every training image at a few fixed noise
 * levels and noises (the same inputs for both networks).
 */
async function measure(weights: Record<string, DenseTensor>): Promise<Measured> {
  const base = await BasePrediction.create(model, 1);
  const trained = await BasePrediction.create({ family: model.family, weights: { kind: 'dense', weights } }, 1);
  const { family, encoders } = model;
  const bucket = encoders.fixedBuckets?.[0] ?? { width: 16, height: 16 };
  const [h, w] = [bucket.height / encoders.sizeMultiple, bucket.width / encoders.sizeMultiple];
  const C = family.tokens.outChannels;
  const sums = { change: { left: 0, right: 0 }, error: { left: 0, right: 0 }, baseError: { left: 0, right: 0 } };
  let perHalf = 0;
  const rng = new SeededRandom(11);
  try {
    for (const image of loadDataset(plainDataset, { folderCacheDir: join(root, 'cache') }).images) {
      const x0 = (await encoders.encodeImage(await loadTrainingImage(image, bucket, false))).data;
      const text = await encoders.encodeText(image.caption ?? '');
      const T = text.shape[0]!;
      for (const t of [0.25, 0.5, 0.75]) {
        const noise = rng.fillNormal(new Float32Array(x0.length)) as Float32Array;
        const rows = {
          rows: 1, imageTokens: h * w, textTokens: T, xt: x0.map((v, i) => (1 - t) * v + t * noise[i]!), t: [t], txt: text.data,
          imgIds: family.imagePositions(h, w), txtIds: family.textPositions(T),
        };
        const [a, b] = [await base.velocity(rows), await trained.velocity(rows)];
        for (let token = 0; token < h * w; token++) {
          const half = token % w < w / 2 ? 'left' : 'right';
          for (let c = 0; c < C; c++) {
            const i = token * C + c;
            const target = noise[i]! - x0[i]!;
            sums.change[half] += (b[i]! - a[i]!) ** 2 / C;
            sums.error[half] += (b[i]! - target) ** 2 / C;
            sums.baseError[half] += (a[i]! - target) ** 2 / C;
          }
        }
        perHalf += (h * w) / 2;
      }
    }
  } finally {
    await base.release();
    await trained.release();
  }
  const mean = (x: Halves): Halves => ({ left: x.left / perHalf, right: x.right / perHalf });
  return { change: mean(sums.change), error: mean(sums.error), baseError: mean(sums.baseError) };
}

const figures = (x: Halves) => `left ${x.left.toExponential(3)}, right ${x.right.toExponential(3)}`;

it('learns only the half its mask keeps (the ignored half predicts no nearer its target than the base model), and at unmaskedWeight 1 trains the same adapter as without masks', async () => {
  const plain = await train(plainDataset, 'plain');
  const masked = await train(maskedDataset, 'masked', { unmaskedWeight: 0 });
  const ignoring = await train(maskedDataset, 'weight-1', { unmaskedWeight: 1 });

  // unmaskedWeight = 1 is an unmasked run exactly: the same trained tensors, bit for bit.
  expect(Buffer.from(ignoring.params.buffer).equals(Buffer.from(plain.params.buffer))).toBe(true);

  const [p, m] = [await measure(mergedWeights(plain)), await measure(mergedWeights(masked))];
  console.log(
    `base model error: ${figures(p.baseError)}\n` +
      `unmasked run: error ${figures(p.error)}; prediction change ${figures(p.change)}\n` +
      `left-half mask: error ${figures(m.error)}; prediction change ${figures(m.change)}`,
  );
  // Both runs learnt the left half: its error fell far below the base model's.
  expect(p.error.left).toBeLessThan(0.5 * p.baseError.left);
  expect(m.error.left).toBeLessThan(0.5 * m.baseError.left);
  // Only the unmasked run learnt the right half (measured: base 0.40, unmasked 0.02); the masked run's right-half
  // error stays at the base model's or above (0.53): nothing of what the ignored half shows was learnt.
  expect(p.error.right).toBeLessThan(0.2 * p.baseError.right);
  expect(m.error.right).toBeGreaterThan(0.8 * m.baseError.right);
  // Its right-half prediction moves far less than the unmasked run's (measured 0.072 against 0.36).
  expect(m.change.right).toBeLessThan(0.5 * p.change.right);
}, 300_000);
