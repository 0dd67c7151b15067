import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { ProjectStore } from '@lora-studio/store';
import { TrainingRandom } from '../rng';
import { bucketKey, makeBuckets, pickBucket } from './buckets';
import { augmentCaption, containsTrigger } from './captions';
import { loadDataset } from './dataset';
import { loadTrainingImage } from './images';
import { datasetProblems } from './preflight';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'trainer-data-'));
  dirs.push(d);
  return d;
}

/** A left half red, right half blue image so orientation and flips are visible in the pixels. */
async function writeImage(path: string, width: number, height: number): Promise<void> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(x < width / 2 ? [255, 0, 0] : [0, 0, 255], (y * width + x) * 3);
  }
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(path);
}

describe('aspect-ratio buckets', () => {
  it('keep about resolution² pixels with sides on the model grid', () => {
    const buckets = makeBuckets(64, 4);
    expect(buckets.map(bucketKey)).toContain('64x64');
    for (const b of buckets) {
      expect(b.width % 4).toBe(0);
      expect(b.height % 4).toBe(0);
      expect(b.width * b.height).toBeLessThanOrEqual(64 * 64);
      expect(b.width * b.height).toBeGreaterThan(0.85 * 64 * 64);
    }
    expect(pickBucket(100, 100, buckets)).toEqual({ width: 64, height: 64 });
    const wide = pickBucket(300, 150, buckets);
    expect(wide.width / wide.height).toBeCloseTo(2, 0);
  });
});

describe('captions', () => {
  it('finds the trigger as a whole word only', () => {
    expect(containsTrigger('a photo of sks, smiling', 'sks')).toBe(true);
    expect(containsTrigger('SKS person', 'sks')).toBe(true);
    expect(containsTrigger('she asks a question', 'sks')).toBe(false);
  });

  it('shuffles tags with the trigger tag first, and drops captions at the given rate', () => {
    const rng = TrainingRandom.fromSeed(4);
    const caption = 'red hat, in the style of flt, smiling, outdoors, sunny';
    for (let i = 0; i < 20; i++) {
      const out = augmentCaption(caption, { trigger: 'flt', captionDropout: 0, tagShuffle: true }, rng);
      expect(out.startsWith('in the style of flt, ')).toBe(true);
      expect(out.split(', ').sort()).toEqual(caption.split(', ').sort());
    }
    const dropped = Array.from({ length: 1000 }, () => augmentCaption(caption, { trigger: 'flt', captionDropout: 0.2, tagShuffle: false }, rng)).filter((c) => c === '');
    expect(dropped.length).toBeGreaterThan(150);
    expect(dropped.length).toBeLessThan(250);
  });
});

describe('folder dataset', () => {
  it('pairs images with same-name .txt captions', async () => {
    const dir = tempDir();
    await writeImage(join(dir, 'a.png'), 8, 8);
    await writeImage(join(dir, 'b.png'), 8, 8);
    writeFileSync(join(dir, 'a.txt'), 'a photo of sks\n');
    const ds = loadDataset(dir, { folderCacheDir: join(dir, 'cache') });
    expect(ds.images.map((i) => [i.name, i.caption])).toEqual([['a.png', 'a photo of sks'], ['b.png', null]]);
    expect(ds.images[0]!.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('flags an empty folder, a missing caption, an unreadable image and a missing trigger before training', async () => {
    const empty = tempDir();
    expect(await datasetProblems(loadDataset(empty, { folderCacheDir: empty }), 'sks')).toEqual([expect.stringMatching(/has no images .*caption in a \.txt file/)]);

    const dir = tempDir();
    await writeImage(join(dir, 'a.png'), 8, 8);
    writeFileSync(join(dir, 'a.txt'), 'a photo of a person');
    await writeImage(join(dir, 'b.png'), 8, 8);
    writeFileSync(join(dir, 'c.png'), 'not really a png');
    writeFileSync(join(dir, 'c.txt'), 'a photo of a dog');
    const problems = await datasetProblems(loadDataset(dir, { folderCacheDir: dir }), 'sks');
    expect(problems).toEqual([
      expect.stringMatching(/^1 image\(s\) have no caption: b\.png\. Add a \.txt file/),
      expect.stringMatching(/^1 image\(s\) cannot be read: c\.png \(.+\)\. Replace or remove them\./),
      expect.stringMatching(/^no caption contains the trigger word "sks"\. Put it early in every caption/),
    ]);
  });
});

describe('project dataset', () => {
  it('skips excluded images and honours crop boxes and repeats', async () => {
    const dir = join(tempDir(), 'project');
    const store = ProjectStore.create(dir, { name: 'P', type: 'subject', trigger: 'sks' });
    mkdirSync(join(dir, 'images'), { recursive: true });
    await writeImage(join(dir, 'images', 'h1.png'), 40, 20);
    await writeImage(join(dir, 'images', 'h2.png'), 20, 20);
    const insert = store.db.prepare(
      `INSERT INTO images (hash, file, source_name, width, height, format, excluded, crop, repeats, imported_at)
       VALUES (?, ?, ?, ?, ?, 'png', ?, ?, ?, '2026-01-01')`,
    );
    const caption = store.db.prepare(`INSERT INTO captions (image_id, text, source, updated_at) VALUES (?, ?, 'user', '2026-01-01')`);
    caption.run(insert.run('h1', 'images/h1.png', 'one.png', 40, 20, 0, JSON.stringify({ x: 20, y: 0, width: 20, height: 20 }), 3).lastInsertRowid, 'sks on blue');
    caption.run(insert.run('h2', 'images/h2.png', 'two.png', 20, 20, 1, null, 1).lastInsertRowid, 'sks excluded');
    store.close();

    const ds = loadDataset(dir, { folderCacheDir: '/unused' });
    expect(ds.source).toBe('project');
    expect(ds.cacheDir).toBe(join(dir, 'cache'));
    expect(ds.excludedCount).toBe(1);
    expect(ds.project).toEqual({ name: 'P', type: 'subject', trigger: 'sks' });
    expect(ds.images).toHaveLength(1);
    expect(ds.images[0]).toMatchObject({ name: 'one.png', contentHash: 'h1', caption: 'sks on blue', repeats: 3 });
    expect(await datasetProblems(ds, 'sks')).toEqual([]);
    // The crop keeps the right (blue) half only.
    const img = await loadTrainingImage(ds.images[0]!, { width: 4, height: 4 }, false);
    expect(Array.from(img.data.slice(0, 3))).toEqual([0, 0, 255]);
  });

  it('reports when every image is excluded', async () => {
    const dir = join(tempDir(), 'project');
    ProjectStore.create(dir, { name: 'P', type: 'style', trigger: 'flt' }).close();
    expect(await datasetProblems(loadDataset(dir, { folderCacheDir: dir }), 'flt')).toEqual([expect.stringMatching(/the project has no images\. Import images first/)]);
  });
});

describe('image loading', () => {
  it('scales to cover the bucket, centre-crops, flips on request, as 8-bit RGB', async () => {
    const dir = tempDir();
    await writeImage(join(dir, 'x.png'), 16, 8);
    const image = { name: 'x.png', path: join(dir, 'x.png'), contentHash: 'x', caption: 'c', crop: null, repeats: 1 };
    const plain = await loadTrainingImage(image, { width: 8, height: 4 }, false);
    const flipped = await loadTrainingImage(image, { width: 8, height: 4 }, true);
    expect(plain.data).toHaveLength(8 * 4 * 3);
    expect(Array.from(plain.data.slice(0, 3))).toEqual([255, 0, 0]);
    expect(Array.from(flipped.data.slice(0, 3))).toEqual([0, 0, 255]);
  });
});
