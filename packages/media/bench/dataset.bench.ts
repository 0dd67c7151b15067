/**
 * Dataset view speed at scale: images-list and dataset-health over synthetic rows (no pixels), first call and repeat.
 * Usage: npx tsx packages/media/bench/dataset.bench.ts  (BENCH_ROWS=5000 to change the count).
 */
import { ProjectStore } from '@lora-studio/store';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetCatalog } from '../src/catalog';
import { ImageRows } from '../src/image-rows';

const count = Number(process.env.BENCH_ROWS ?? 5000);
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const hex = (bytes: number) => Array.from({ length: bytes }, () => Math.floor(rnd() * 256).toString(16).padStart(2, '0')).join('');

const store = ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'ls-dataset-bench-')), 'p'), { name: 'Bench', type: 'subject', trigger: 'sks' });
const rows = new ImageRows(store);
store.db.transaction(() => {
  for (let i = 0; i < count; i++) {
    const light = rnd();
    rows.insert({
      hash: i.toString(16).padStart(64, '0'), file: `images/${i}.jpg`, sourceName: `photo-${i}.jpg`, format: 'jpeg',
      exif: i % 3 === 0 ? { make: 'Canon', model: 'EOS R6', takenAt: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString().slice(0, 19) } : {},
      metrics: {
        width: 2000, height: 1500, megapixels: 3, aspectRatio: 1.333, sharpness: 100 + rnd() * 400, meanLuma: 60 + rnd() * 140,
        highlightsClipped: 0, shadowsClipped: 0, jpegQuality: 90, colourfulness: 40, borderStdDev: 20,
        // Every 50th image is a near twin of the one before it.
        phash: hex(8), tiny: hex(64),
        look: Array.from({ length: 15 }, () => Math.round((light * 0.6 + rnd() * 0.4) * 1000) / 1000), text: null, faces: null,
      },
      flags: [], analysis: 'done', repeats: 1, fileSize: 1, caption: null,
    });
  }
})();

const catalog = new DatasetCatalog(store);
const time = (label: string, fn: () => unknown) => {
  const t = performance.now();
  fn();
  console.log(`${label}: ${(performance.now() - t).toFixed(0)} ms`);
};
console.log(`${count} images`);
time('images-list (first call)', () => catalog.list());
time('images-list (again, unchanged)', () => catalog.list({ sort: 'sharpness' }));
time('dataset-health', () => catalog.health());
time('images-update (exclude one; the view is rebuilt)', () => catalog.update([1], { excluded: true }));
time('images-list after it', () => catalog.list());
store.close();
