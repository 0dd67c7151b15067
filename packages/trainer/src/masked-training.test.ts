// Masked training through the whole trainer: a mask with unmaskedWeight = 1 changes nothing, bit for bit, and a
// project's stored masks train exactly as the same masks beside the images of a folder.
import { ProjectStore } from '@lora-studio/store';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TrainingConfig } from './config';
import { loadDataset } from './data/dataset';
import type { TrainingEvent } from './events';
import { prepareNewRun } from './setup';
import { writeFixtures } from './testing/fixtures';
import { TrainingRun } from './training-run';

let root: string;
let fixtures: { model: string; dataset: string };
let maskedDataset: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'masked-training-'));
  fixtures = await writeFixtures(root);
  // The same images, each with a mask that keeps its left half (white) and ignores its right half (black).
  maskedDataset = join(root, 'masked');
  mkdirSync(maskedDataset);
  for (const f of readdirSync(fixtures.dataset)) copyFileSync(join(fixtures.dataset, f), join(maskedDataset, f));
  const side = 24;
  const mask = Buffer.alloc(side * side);
  for (let y = 0; y < side; y++) mask.fill(255, y * side, y * side + side / 2);
  for (const f of readdirSync(fixtures.dataset).filter((n) => n.endsWith('.png'))) {
    await sharp(mask, { raw: { width: side, height: side, channels: 1 } }).png().toFile(join(maskedDataset, f.replace('.png', '_mask.png')));
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const base: Partial<TrainingConfig> = {
  steps: 6, checkpointEvery: 6, sampleEvery: 0, batchSize: 2, seed: 3, preservation: 0, priorImages: 0, lr: 1e-2, scheduler: 'constant', warmupSteps: 0, rank: 4, alpha: 4,
};

async function losses(dataset: string, runDir: string, extra: Partial<TrainingConfig>): Promise<number[]> {
  const prepared = await prepareNewRun({ dataset, base: fixtures.model, runDir, type: 'subject', trigger: 'sks', overrides: { ...base, ...extra } }, { threads: 1 });
  const events: TrainingEvent[] = [];
  expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), { threads: 1 }).run()).toBe('finished');
  return events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
}

it('trains on the same losses, bit for bit, with masks at unmaskedWeight 1 as without masks; at 0 the losses differ', async () => {
  const plain = await losses(fixtures.dataset, join(root, 'plain'), {});
  const ignored = await losses(maskedDataset, join(root, 'weight-1'), { unmaskedWeight: 1 });
  const masked = await losses(maskedDataset, join(root, 'weight-0'), { unmaskedWeight: 0 });
  expect(plain).toHaveLength(6);
  expect(ignored).toEqual(plain);
  expect(masked).not.toEqual(plain);
});

/** A project holding the masked folder's images, captions and masks as the importer stores them (mask_file). */
function maskedProject(dir: string): string {
  const store = ProjectStore.create(dir, { name: 'Masked', type: 'subject', trigger: 'sks' });
  mkdirSync(join(dir, 'images'), { recursive: true });
  const insert = store.db.prepare(
    `INSERT INTO images (hash, file, source_name, width, height, format, repeats, imported_at, mask_file)
     VALUES (?, ?, ?, 24, 24, 'png', 1, '2026-01-01', ?)`,
  );
  const caption = store.db.prepare("INSERT INTO captions (image_id, text, source, updated_at) VALUES (?, ?, 'import', '2026-01-01')");
  for (const name of readdirSync(maskedDataset).filter((n) => n.endsWith('.png') && !n.endsWith('_mask.png')).sort()) {
    const bytes = readFileSync(join(maskedDataset, name));
    const hash = createHash('sha256').update(bytes).digest('hex');
    copyFileSync(join(maskedDataset, name), join(dir, 'images', `${hash}.png`));
    copyFileSync(join(maskedDataset, name.replace('.png', '_mask.png')), join(dir, 'images', `${hash}-mask.png`));
    const id = insert.run(hash, `images/${hash}.png`, name, `images/${hash}-mask.png`).lastInsertRowid;
    caption.run(id, readFileSync(join(maskedDataset, name.replace('.png', '.txt')), 'utf8'));
  }
  store.close();
  return dir;
}

it("trains a project's stored masks exactly as the same masks beside a folder's images", async () => {
  const project = maskedProject(join(root, 'project'));
  const images = loadDataset(project, { folderCacheDir: join(root, 'unused') }).images;
  expect(images).toHaveLength(4);
  expect(images.every((i) => i.mask?.path.endsWith('-mask.png'))).toBe(true);
  const fromFolder = await losses(maskedDataset, join(root, 'folder-0'), { unmaskedWeight: 0 });
  const fromProject = await losses(project, join(root, 'project-0'), { unmaskedWeight: 0 });
  expect(fromProject).toEqual(fromFolder);
});

it('trains on the masks as they were when the run started: a mask removed meanwhile neither stops nor changes it', async () => {
  const reference = await losses(maskedDataset, join(root, 'masks-kept'), { unmaskedWeight: 0 });
  const dataset = join(root, 'masks-removed-dataset');
  cpSync(maskedDataset, dataset, { recursive: true });
  const runDir = join(root, 'masks-removed');
  const prepared = await prepareNewRun({ dataset, base: fixtures.model, runDir, type: 'subject', trigger: 'sks', overrides: { ...base, unmaskedWeight: 0 } }, { threads: 1 });
  for (const f of readdirSync(dataset).filter((n) => n.endsWith('_mask.png'))) rmSync(join(dataset, f));
  const events: TrainingEvent[] = [];
  expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), { threads: 1 }).run()).toBe('finished');
  expect(events.flatMap((e) => (e.type === 'step' ? [e.loss] : []))).toEqual(reference);
});
