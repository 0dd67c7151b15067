// Edit LoRAs (FLUX.2 reference images) through the whole trainer: the folder convention pairs references with their
// images, a project's stored references load the same way, and an edit LoRA whose targets are its references colour-
// inverted learns that transformation: better than the base model and better than the same LoRA trained without
// seeing the references (so the reference tokens carry what it learns).
import { loadLora } from '@lora-studio/models';
import { ProjectStore } from '@lora-studio/store';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingConfig } from './config';
import { loadDataset } from './data/dataset';
import { datasetProblems } from './data/preflight';
import { mostReferences } from './data/references';
import { runMemoryEstimate, runMemoryInput } from './run-memory';
import type { TrainingEvent } from './events';
import { prepareNewRun } from './setup';
import { TrainingRun } from './training-run';

let root: string;
// The embedded default model: a pretrained denoiser, so a short LoRA run has something to build on.
const model = 'default';
/** Targets whose references sit in control/ (the "before" pictures). */
let editDataset: string;
/** The same targets and captions without references. */
let plainDataset: string;

const SIDE = 32;
const PAIRS = 24;

/** A SIDE × SIDE picture: a disc of one colour on a background of another, at a position that varies with `i`. */
function picture(i: number): Buffer {
  let state = i * 7919 + 17;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const disc = [next(), next(), next()].map((v) => Math.round(40 + 200 * v));
  const background = [next(), next(), next()].map((v) => Math.round(20 + 215 * v));
  const [cx, cy, r] = [SIDE * (0.25 + 0.5 * next()), SIDE * (0.25 + 0.5 * next()), SIDE * (0.2 + 0.15 * next())];
  const data = Buffer.alloc(SIDE * SIDE * 3);
  for (let y = 0; y < SIDE; y++) for (let x = 0; x < SIDE; x++) data.set((x - cx) ** 2 + (y - cy) ** 2 < r * r ? disc : background, (y * SIDE + x) * 3);
  return data;
}

const png = (raw: Buffer) => sharp(raw, { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toBuffer();

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'edit-training-'));
  editDataset = join(root, 'edit');
  plainDataset = join(root, 'plain');
  mkdirSync(join(editDataset, 'control'), { recursive: true });
  mkdirSync(plainDataset);
  for (let i = 0; i < PAIRS; i++) {
    const before = picture(i);
    const after = Buffer.from(before.map((v) => 255 - v));
    for (const dir of [editDataset, plainDataset]) {
      writeFileSync(join(dir, `pair-${i}.png`), await png(after));
      writeFileSync(join(dir, `pair-${i}.txt`), 'sks, the picture inverted');
    }
    writeFileSync(join(editDataset, 'control', `pair-${i}.png`), await png(before));
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const settings: Partial<TrainingConfig> = {
  steps: 120, checkpointEvery: 120, batchSize: 2, seed: 5, preservation: 0, priorImages: 0, lr: 1e-2, scheduler: 'constant', warmupSteps: 0,
  rank: 8, alpha: 8, targets: 'all-linear', flip: false, captionDropout: 0,
  // Mostly high noise, where the picture to make is hidden and only the reference can tell it.
  timesteps: { kind: 'logit-normal', mean: 1.5, std: 0.5 },
  // One sample at the end: an edit LoRA's samples read the first image's references.
  sampleEvery: 120, samplePrompts: ['sks, the picture inverted'], sampleSeeds: [1], sampleSteps: 8,
};

async function train(dataset: string, runDir: string, extra: Partial<TrainingConfig> = {}): Promise<{ losses: number[]; events: TrainingEvent[] }> {
  const prepared = await prepareNewRun({ dataset, base: model, runDir, type: 'style', trigger: 'sks', overrides: { ...settings, ...extra } }, { threads: 1 });
  const events: TrainingEvent[] = [];
  expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), { threads: 1 }).run()).toBe('finished');
  return { losses: events.flatMap((e) => (e.type === 'step' ? [e.loss] : [])), events };
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('edit LoRAs from reference images', () => {
  it('pairs control/NAME.png, control_1/ and control_2/ with NAME.png, in that order, and hashes what it read', () => {
    const dir = join(root, 'three');
    mkdirSync(dir);
    copyFileSync(join(editDataset, 'pair-0.png'), join(dir, 'a.png'));
    copyFileSync(join(editDataset, 'pair-1.png'), join(dir, 'b.png'));
    for (const [folder, from] of [['control', 'pair-2'], ['control_1', 'pair-3'], ['control_2', 'pair-4']] as const) {
      mkdirSync(join(dir, folder));
      copyFileSync(join(editDataset, `${from}.png`), join(dir, folder, 'a.png'));
    }
    // Only the second folder has b: it becomes b's one reference.
    copyFileSync(join(editDataset, 'pair-5.png'), join(dir, 'control_1', 'b.png'));
    const images = loadDataset(dir, { folderCacheDir: join(root, 'unused') }).images;
    expect(images.map((i) => i.name)).toEqual(['a.png', 'b.png']);
    expect(images[0]!.references!.map((r) => r.name)).toEqual(['control/a.png', 'control_1/a.png', 'control_2/a.png']);
    expect(images[0]!.references![2]!.hash).toBe(createHash('sha256').update(readFileSync(join(editDataset, 'pair-4.png'))).digest('hex'));
    expect(images[1]!.references!.map((r) => r.name)).toEqual(['control_1/b.png']);
  });

  it('names an unreadable reference before training starts', async () => {
    const dir = join(root, 'broken');
    mkdirSync(join(dir, 'control'), { recursive: true });
    copyFileSync(join(editDataset, 'pair-0.png'), join(dir, 'a.png'));
    writeFileSync(join(dir, 'a.txt'), 'sks, the picture inverted');
    writeFileSync(join(dir, 'control', 'a.png'), 'not a picture');
    const problems = await datasetProblems(loadDataset(dir, { folderCacheDir: join(root, 'unused') }), 'sks');
    expect(problems).toEqual([expect.stringMatching(/1 reference image\(s\) cannot be read: control\/a\.png of a\.png/)]);
  });

  it("loads a project's stored references exactly as the same pictures in control/", () => {
    const dir = join(root, 'project');
    const store = ProjectStore.create(dir, { name: 'Edit', type: 'style', trigger: 'sks' });
    const insert = store.db.prepare(`INSERT INTO images (hash, file, source_name, width, height, format, repeats, imported_at) VALUES (?, ?, ?, 32, 32, 'png', 1, '2026-01-01')`);
    const reference = store.db.prepare('INSERT INTO image_references (image_id, slot, file, hash, source_name) VALUES (?, 0, ?, ?, ?)');
    for (const name of readdirSync(editDataset).filter((n) => n.endsWith('.png')).sort()) {
      const hash = createHash('sha256').update(readFileSync(join(editDataset, name))).digest('hex');
      copyFileSync(join(editDataset, name), join(dir, 'images', `${hash}.png`));
      const refBytes = readFileSync(join(editDataset, 'control', name));
      const refHash = createHash('sha256').update(refBytes).digest('hex');
      copyFileSync(join(editDataset, 'control', name), join(dir, 'images', `${hash}-ref0-${refHash.slice(0, 16)}.png`));
      const id = insert.run(hash, `images/${hash}.png`, name).lastInsertRowid;
      reference.run(id, `images/${hash}-ref0-${refHash.slice(0, 16)}.png`, refHash, `before of ${name}`);
    }
    store.close();
    const fromProject = loadDataset(dir, { folderCacheDir: join(root, 'unused') }).images;
    const fromFolder = loadDataset(editDataset, { folderCacheDir: join(root, 'unused') }).images;
    expect(fromProject.map((i) => i.references!.map((r) => r.hash))).toEqual(fromFolder.map((i) => i.references!.map((r) => r.hash)));
    expect(fromProject[0]!.references![0]!.name).toBe('before of pair-0.png');
  });

  it("counts the references' tokens in the run's memory estimate", async () => {
    const prepared = await prepareNewRun({ dataset: editDataset, base: model, runDir: join(root, 'run-memory'), type: 'style', trigger: 'sks', overrides: settings }, { threads: 1 });
    try {
      const references = mostReferences(prepared.dataset);
      expect(references).toBe(1);
      const config = prepared.description.config;
      const plain = runMemoryInput(prepared.model, config, 8);
      expect(runMemoryInput(prepared.model, config, 8, references).imageTokens).toBe(2 * plain.imageTokens);
      expect(runMemoryEstimate(prepared.model, config, 8, references).activationsBytes).toBeGreaterThan(runMemoryEstimate(prepared.model, config, 8).activationsBytes);
    } finally {
      await prepared.model.close();
    }
  });

  it('learns "the reference, colour-inverted": better than the base model and than the same LoRA without references', async () => {
    const edit = await train(editDataset, join(root, 'run-edit'));
    // Every target and every reference encoded once (the references' cache key is their own content hash).
    const started = edit.events.find((e) => e.type === 'started');
    expect(started?.type === 'started' && started.cache.imageEncodes).toBe(2 * PAIRS);
    // The same batches, noise and times: with a learning rate too small to move the LoRA (the base model's loss),
    // and trained on the same targets without references. Paired step by step, so the draws cancel out.
    const base = await train(editDataset, join(root, 'run-base'), { lr: 1e-12 });
    const blind = await train(plainDataset, join(root, 'run-blind'));
    const last = (xs: number[]) => meanOf(xs.slice(-20));
    const [trained, untrained, withoutReferences] = [last(edit.losses), last(base.losses), last(blind.losses)];
    console.log(`edit LoRA loss (last 20 steps): ${trained.toFixed(4)}; base model ${untrained.toFixed(4)}; trained without references ${withoutReferences.toFixed(4)}`);
    expect(trained).toBeLessThan(0.8 * untrained);
    expect(trained).toBeLessThan(0.95 * withoutReferences);
    // The end-of-run sample reads pair-0's "before" picture: the edit LoRA's is nearer its inverted "after" than the
    // base model's sample from the same seed and references.
    const distance = async (events: TrainingEvent[]) => {
      const sample = events.find((e) => e.type === 'sample-written');
      if (sample?.type !== 'sample-written') throw new Error('no sample was written');
      const made = await sharp(sample.path).removeAlpha().raw().toBuffer();
      const wanted = await sharp(join(editDataset, 'pair-0.png')).removeAlpha().raw().toBuffer();
      return meanOf([...made].map((v, i) => Math.abs(v - wanted[i]!)));
    };
    // The LoRA file says it is an edit LoRA and how many references it expects.
    const finished = edit.events.find((e) => e.type === 'finished');
    if (finished?.type !== 'finished') throw new Error('the run did not finish');
    expect(loadLora(finished.lora).adapter.metadata['lora_studio.reference_images']).toBe('1');
    const [editDistance, baseDistance] = [await distance(edit.events), await distance(base.events)];
    console.log(`sample's mean pixel distance to the inverted "before": edit LoRA ${editDistance.toFixed(1)}, base model ${baseDistance.toFixed(1)}`);
    expect(editDistance).toBeLessThan(0.8 * baseDistance);
  }, 240_000);
});
