import { ProjectStore } from '@lora-studio/store';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { BackgroundAnalyzer, setBackgroundAnalysisPaused } from './background-analysis';
import { DatasetCatalog } from './catalog';
import { importFiles } from './import';
import { photoJpeg } from './test-images';

const temp = (p: string) => mkdtempSync(join(tmpdir(), p));

async function projectWith(images: Record<string, Buffer>): Promise<ProjectStore> {
  const store = ProjectStore.create(join(temp('ls-analysis-'), 'p'), { name: 'Test', type: 'subject', trigger: 'sks' });
  const src = temp('ls-src-');
  for (const [name, bytes] of Object.entries(images)) writeFileSync(join(src, name), bytes);
  await importFiles(store, [src]);
  return store;
}

const analysisStates = (store: ProjectStore) =>
  store.db.prepare('SELECT analysis, analysis_error AS error, json_extract(metrics, \'$.faces\') AS faces FROM images ORDER BY id').all();

describe('background analysis (worker threads)', () => {
  it('reads text and counts faces off the main thread, then the flags follow', async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><rect x="60" y="250" width="680" height="110" fill="white"/>
      <text x="90" y="330" font-family="DejaVu Sans, sans-serif" font-size="64" fill="black">STOCK PHOTO</text></svg>`;
    const store = await projectWith({
      'stamped.jpg': await sharp(await photoJpeg(21, 800, 600)).composite([{ input: Buffer.from(svg) }]).jpeg().toBuffer(),
      'clean.jpg': await photoJpeg(22, 800, 600),
    });
    const catalog = new DatasetCatalog(store);
    expect(catalog.list().map((i) => i.analysis)).toEqual(['pending', 'pending']);
    const changed: number[] = [];
    const analyzer = new BackgroundAnalyzer(store, { threads: 1, onChanged: (ids) => changed.push(...ids) });
    analyzer.start();
    await analyzer.whenIdle();
    await analyzer.close();
    const [stamped, clean] = catalog.list({ sort: 'name' }).reverse();
    expect(changed.sort()).toEqual([stamped!.id, clean!.id].sort());
    expect(stamped!.analysis).toBe('done');
    expect(stamped!.metrics.text?.words.join(' ')).toMatch(/STOCK/);
    expect(stamped!.flags.map((f) => f.id)).toEqual(expect.arrayContaining(['text-overlay', 'no-face']));
    expect(clean!.metrics).toMatchObject({ text: { words: [] }, faces: 0 });
    expect(clean!.flags.map((f) => f.id)).not.toContain('text-overlay');
    expect(catalog.health().pendingAnalysis).toBe(0);
    store.close();
  }, 180_000);

  it('resumes after a stop: images left pending are analysed by a new analyzer, each once', async () => {
    const images: Record<string, Buffer> = {};
    for (let i = 0; i < 3; i++) images[`${i}.jpg`] = await photoJpeg(30 + i, 480, 360);
    const store = await projectWith(images);
    let firstStored!: () => void;
    const stored = new Promise<void>((resolve) => (firstStored = resolve));
    const first = new BackgroundAnalyzer(store, { threads: 1, analyzers: { text: false, faces: true }, onChanged: () => firstStored() });
    first.start();
    // Stopped right after its first stored result, like an app quit mid-analysis: the image in flight stays 'pending'.
    await stored;
    await first.close();
    const afterStop = (analysisStates(store) as { analysis: string }[]).map((r) => r.analysis);
    expect(afterStop).toEqual(['done', 'pending', 'pending']);
    const ids = (store.db.prepare('SELECT id FROM images ORDER BY id').all() as { id: number }[]).map((r) => r.id);

    store.close();
    const reopened = ProjectStore.open(store.dir);
    const analysed: number[] = [];
    const second = new BackgroundAnalyzer(reopened, { threads: 1, analyzers: { text: false, faces: true }, onChanged: (ids) => analysed.push(...ids) });
    second.start();
    await second.whenIdle();
    await second.close();
    expect(analysed).toEqual(ids.slice(1));
    expect(analysisStates(reopened)).toEqual(Array.from({ length: 3 }, () => ({ analysis: 'done', error: null, faces: 0 })));
    reopened.close();
  }, 180_000);
});

describe('analysis yields to training', () => {
  it('starts nothing while paused for a training run, and picks the images up when training stops', async () => {
    const store = await projectWith({ 'a.jpg': await photoJpeg(41, 480, 360) });
    setBackgroundAnalysisPaused(true);
    const analyzer = new BackgroundAnalyzer(store, { threads: 1, analyzers: { text: false, faces: true } });
    try {
      analyzer.start();
      await analyzer.whenIdle();
      expect(new DatasetCatalog(store).list().map((i) => i.analysis)).toEqual(['pending']);
      setBackgroundAnalysisPaused(false);
      await new Promise((r) => setTimeout(r, 50));
      await analyzer.whenIdle();
      expect(new DatasetCatalog(store).list().map((i) => i.analysis)).toEqual(['done']);
    } finally {
      setBackgroundAnalysisPaused(false);
      await analyzer.close();
      store.close();
    }
  }, 180_000);
});
