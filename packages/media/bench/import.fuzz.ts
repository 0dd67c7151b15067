/**
 * Import fuzz at scale: generates malformed files (truncated and corrupted PNG/JPEG/WebP/GIF/TIFF, lying and
 * overlapping zips, zip bombs, odd names, sidecars and links), imports them into a real temporary project and prints
 * tried / imported / refused cleanly / crashed / peak RSS. Target: 0 crashed, peak RSS under 1 GB.
 * Usage: npm run fuzz:import [-- COUNT [SEED]]   (default 1000 files, seed 1313)
 */
import { ProjectStore } from '@lora-studio/store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetCatalog } from '../src/catalog';
import { importFiles } from '../src/import';
import { runImportFuzz } from '../src/import-fuzz';

const count = Number(process.argv[2] ?? 1000);
const seed = Number(process.argv[3] ?? 1313);
if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(seed)) {
  console.error('Usage: npm run fuzz:import -- [COUNT] [SEED]  (whole numbers, COUNT at least 1)');
  process.exit(2);
}

const root = mkdtempSync(join(tmpdir(), 'ls-fuzz-import-'));
const store = ProjectStore.create(join(root, 'project'), { name: 'Fuzz', type: 'subject', trigger: 'sks' });
const started = performance.now();
const tally = await runImportFuzz(join(root, 'files'), count, seed, (folder) => importFiles(store, [folder]));
store.close();
// The project must still open and list what was imported.
const reopened = ProjectStore.open(join(root, 'project'));
const rows = new DatasetCatalog(reopened).list().length;
reopened.close();
const peakMb = process.resourceUsage().maxRSS / 1024;

console.log(`seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`tried            ${tally.tried}`);
console.log(`imported         ${tally.imported} (${rows} distinct images in the project; the rest duplicates)`);
console.log(`refused cleanly  ${tally.refusedCleanly}`);
console.log(`crashed          ${tally.crashed}`);
console.log(`peak RSS         ${peakMb.toFixed(0)} MB`);
for (const p of tally.problems.slice(0, 20)) console.log(`  ${p}`);
rmSync(root, { recursive: true, force: true });
process.exit(tally.crashed === 0 && peakMb < 1024 ? 0 : 1);
