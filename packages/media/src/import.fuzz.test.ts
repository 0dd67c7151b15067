import { ProjectStore } from '@lora-studio/store';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetCatalog } from './catalog';
import { importFiles } from './import';
import { runImportFuzz } from './import-fuzz';

/** Fixed seed and a small count on every test run; `npm run fuzz:import` runs 1,000 and more. */
const SEED = 1313;
const COUNT = 300;

describe('import fuzz', () => {
  it(`accounts for each of ${COUNT} malformed files (imported, or refused with a reason), never throws, and the project still opens`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'ls-fuzz-'));
    const store = ProjectStore.create(join(root, 'project'), { name: 'Fuzz', type: 'subject', trigger: 'sks' });
    const tally = await runImportFuzz(join(root, 'files'), COUNT, SEED, (folder) => importFiles(store, [folder], { concurrency: 2 }));
    expect(tally.problems).toEqual([]);
    expect(tally.crashed).toBe(0);
    expect(tally.tried).toBeGreaterThanOrEqual(COUNT * 0.9);
    // The generator makes both outcomes; a run where everything is refused (or imported) tests nothing.
    expect(tally.imported).toBeGreaterThan(10);
    expect(tally.refusedCleanly).toBeGreaterThan(COUNT / 2);
    store.close();

    const reopened = ProjectStore.open(join(root, 'project'));
    const images = new DatasetCatalog(reopened).list();
    expect(images.length).toBeGreaterThan(0);
    // Every row has its original on disk, and nothing half-written was left beside them.
    const originals = readdirSync(join(reopened.dir, 'images'));
    expect(originals.filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(originals).toHaveLength(images.length);
    expect(new DatasetCatalog(reopened).health().included).toBe(images.length);
    // Caption sidecars that link outside the imported folder were refused, so the private file never became a caption.
    expect(images.filter((i) => i.caption?.includes('private file'))).toEqual([]);
    reopened.close();
  });
});
