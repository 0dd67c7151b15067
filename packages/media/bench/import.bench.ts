/**
 * Import throughput vs a bare sharp decode+resize loop over the same files, in the same run (issue 6 target: ≥ 70%),
 * with the background analyzers off; then the cost of each analyzer (OCR text, face count) per image, in one thread.
 * The bare loop runs before and after the import and its mean is used, so load from other processes on a shared
 * machine weighs on both sides alike.
 * Usage: npm run bench:import  (BENCH_IMAGES=500 BENCH_WIDTH=2000 BENCH_HEIGHT=1500 BENCH_ANALYSIS_IMAGES=10).
 */
import { ProjectStore } from '@lora-studio/store';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { AnalysisPool } from '../src/analysis-pool';
import { imagePaths, importFiles } from '../src/import';
import { prepareImage } from '../src/prepare';
import { photoPixels } from '../src/test-images';

const count = Number(process.env.BENCH_IMAGES ?? 500);
const width = Number(process.env.BENCH_WIDTH ?? 2000);
const height = Number(process.env.BENCH_HEIGHT ?? 1500);
const concurrency = Math.min(4, availableParallelism());

async function pool<T>(items: T[], fn: (item: T) => Promise<unknown>, width = concurrency): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

const src = mkdtempSync(join(tmpdir(), 'ls-bench-src-'));
console.log(`Generating ${count} photo-like ${width}×${height} JPEGs in ${src} …`);
// A few distinct scenes, each re-encoded with a per-file tint so every file has its own bytes (no duplicates).
const scenes = await Promise.all(Array.from({ length: 8 }, async (_, s) => {
  const { data, info } = photoPixels(1000 + s, width, height);
  return sharp(data, { raw: info }).png({ compressionLevel: 0 }).toBuffer();
}));
await pool(Array.from({ length: count }, (_, i) => i), async (i) => {
  const jpeg = await sharp(scenes[i % scenes.length]!).modulate({ brightness: 0.9 + (i % 50) / 250, hue: i % 360 }).jpeg({ quality: 88 }).toBuffer();
  writeFileSync(join(src, `photo-${String(i).padStart(4, '0')}.jpg`), jpeg);
});
const files = readdirSync(src).map((f) => join(src, f));

// The bare loop at the core count and at one more, the faster counting: the import keeps one more file in flight
// than cores (see importFiles), so the baseline gets the same chance.
const bareLoop = async () => {
  const times: number[] = [];
  for (const width of [concurrency, concurrency + 1]) {
    const start = performance.now();
    await pool(files, async (f) => sharp(readFileSync(f)).resize(1024, 1024, { fit: 'inside' }).jpeg().toBuffer(), width);
    times.push((performance.now() - start) / 1000);
  }
  return Math.min(...times);
};
const bareBefore = await bareLoop();
let t = performance.now();

const store = ProjectStore.create(join(mkdtempSync(join(tmpdir(), 'ls-bench-proj-')), 'p'), { name: 'Bench', type: 'subject', trigger: 'sks' });
t = performance.now();
const summary = await importFiles(store, [src]);
const importSeconds = (performance.now() - t) / 1000;
const bareSeconds = (bareBefore + (await bareLoop())) / 2;
// The same files through prepareImage alone, as many in flight as the import: what the store's part costs.
t = performance.now();
await pool(files, async (f) => prepareImage(readFileSync(f)), concurrency + 1);
const prepareSeconds = (performance.now() - t) / 1000;

// Cost split of one image's work, measured serially on a sample: hashing+copy+SQLite are the remainder.
const sample = files.slice(0, Math.min(20, files.length)).map((f) => readFileSync(f));
// CPU time (all threads of this process) as well as wall time: on a shared machine the wall time moves with other
// load, the CPU time much less, so it is the steadier figure to compare versions with.
const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};
t = performance.now();
let cpu = process.cpuUsage();
for (const b of sample) await sharp(b).resize(1024, 1024, { fit: 'inside' }).jpeg().toBuffer();
const bareEach = (performance.now() - t) / sample.length;
const bareCpuEach = cpuMs(cpu) / sample.length;
t = performance.now();
cpu = process.cpuUsage();
for (const b of sample) await prepareImage(b);
const prepareEach = (performance.now() - t) / sample.length;
const prepareCpuEach = cpuMs(cpu) / sample.length;

const bareRate = files.length / bareSeconds;
const importRate = summary.imported / importSeconds;
console.log(`images: ${files.length} (${width}×${height} JPEG); bare loop best of ${concurrency} and ${concurrency + 1} files in flight, import its default (cores + 1)`);
console.log(`bare sharp decode+resize: ${bareRate.toFixed(1)} images/s`);
console.log(`import (hash, decode, EXIF rotate, 2 thumbnails, pixel metrics, copy, SQLite): ${importRate.toFixed(1)} images/s (${summary.imported} imported, ${summary.rejected} rejected)`);
console.log(`import / bare: ${((importRate / bareRate) * 100).toFixed(0)}% (target ≥ 70%)`);
console.log(`decode+thumbnails+metrics alone, same files in flight: ${(files.length / prepareSeconds).toFixed(1)} images/s (${((files.length / prepareSeconds / bareRate) * 100).toFixed(0)}% of bare); the rest is hashing, copying, writing thumbnails, SQLite`);
console.log(`per image, serial: bare ${bareEach.toFixed(0)} ms (CPU ${bareCpuEach.toFixed(0)} ms); decode+thumbnails+metrics ${prepareEach.toFixed(0)} ms (CPU ${prepareCpuEach.toFixed(0)} ms)`);

// Analyzer cost: one analysis thread, per image after its start-up (model loading) on the first image.
const analysed = (store.db.prepare('SELECT id, hash, file FROM images ORDER BY id LIMIT ?').all(Number(process.env.BENCH_ANALYSIS_IMAGES ?? 10) + 1) as { id: number; hash: string; file: string }[]);
for (const analyzers of [{ text: true, faces: false }, { text: false, faces: true }]) {
  const threads = new AnalysisPool(1);
  const job = (r: (typeof analysed)[number]) => ({ id: r.id, thumbnail: join(store.dir, imagePaths(r.hash, 'jpg').thumbLarge), original: join(store.dir, r.file), analyzers });
  t = performance.now();
  await threads.run(job(analysed[0]!));
  const startup = performance.now() - t;
  t = performance.now();
  for (const r of analysed.slice(1)) {
    const outcome = await threads.run(job(r));
    if (!outcome.ok) throw new Error(outcome.reason);
  }
  const each = (performance.now() - t) / Math.max(1, analysed.length - 1);
  await threads.close();
  console.log(`${analyzers.text ? 'OCR text analyzer' : 'face analyzer'}: ${each.toFixed(0)} ms per image in one background thread (start-up with the first image ${(startup / 1000).toFixed(1)} s), ${analysed.length - 1} images`);
}
store.close();
