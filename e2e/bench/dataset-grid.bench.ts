/**
 * How the Dataset view copes with a large dataset: a project of 5,000 images (12 real photos imported, then their
 * rows repeated with new ids and hard-linked thumbnails), opened in Chromium through the real host. Prints the time
 * until the grid shows, the frame times while scrolling through all of it, and how many cards the DOM ever holds.
 * Run: npx tsx e2e/bench/dataset-grid.bench.ts [count]
 */
import { startHost } from '@lora-studio/host';
import { importFiles } from '@lora-studio/media';
import { ProjectStore } from '@lora-studio/store';
import { linkSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../support/browser';
import { photo } from '../support/dataset-photos';
import { studioDist } from '../support/paths';
import { ensureStudioBuilt } from '../support/studio-build';

const COUNT = Number(process.argv[2] ?? 5000);
const home = mkdtempSync(join(tmpdir(), 'lora-bench-grid-'));
const dir = join(home, 'projects', 'big');

async function bigProject(): Promise<void> {
  const store = ProjectStore.create(dir, { name: 'Big', type: 'style', trigger: 'bigx' });
  const src = mkdtempSync(join(home, 'src-'));
  const paths = await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const file = join(src, `seed-${i}.jpg`);
      writeFileSync(file, await photo(100 + i, 512));
      return file;
    }),
  );
  await importFiles(store, paths, { importId: 'bench' }, () => {});
  const base = store.db.prepare('SELECT * FROM images').all() as Record<string, unknown>[];
  const insert = store.db.prepare(
    `INSERT INTO images (hash, file, source_name, width, height, format, exif, metrics, flags, analysis, excluded, crop, repeats, imported_at)
     VALUES (@hash, @file, @source_name, @width, @height, @format, @exif, @metrics, @flags, @analysis, @excluded, @crop, @repeats, @imported_at)`,
  );
  const thumbs = join(dir, 'cache', 'thumbs');
  store.db.transaction(() => {
    for (let k = base.length; k < COUNT; k++) {
      const row = base[k % base.length]!;
      const hash = `${String(row.hash).slice(0, 56)}${k.toString(16).padStart(8, '0')}`;
      for (const size of [256, 1024]) linkSync(join(thumbs, `${row.hash}-${size}.jpg`), join(thumbs, `${hash}-${size}.jpg`));
      const { id: _id, ...rest } = row;
      insert.run({ ...rest, hash, source_name: `copy-${k}-${row.source_name}` });
    }
  })();
}

ensureStudioBuilt();
await bigProject();
const host = await startHost({ home, studioDist, port: 0 });
const browser = await launchChromium();
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(host.url);
  const started = Date.now();
  await page.goto(`${new URL(host.url).origin}/#/project/${encodeURIComponent(dir)}/dataset`);
  await page.locator('[data-testid="image-card"]').first().waitFor({ timeout: 120_000 });
  const firstGrid = Date.now() - started;

  // Frame times while idle (what this machine gives any page), while scrolling at wheel speed (60 px a frame), and
  // while flinging through the whole list (every frame shows new cards); and the most cards the DOM ever held.
  // Passed as text: tsx would wrap named functions in a helper the page does not have.
  const figures = (await page.evaluate(`(async () => {
    const grid = document.querySelector('[data-testid="thumbnail-grid"]');
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    let maxCards = 0;
    const run = async (frames, move) => {
      const times = [];
      let last = await frame();
      for (let i = 1; i <= frames; i++) {
        if (move) move(i);
        const now = await frame();
        times.push(now - last);
        last = now;
        maxCards = Math.max(maxCards, grid.querySelectorAll('[data-testid="image-card"]').length);
      }
      times.sort((a, b) => a - b);
      const at = (q) => times[Math.min(times.length - 1, Math.floor(times.length * q))].toFixed(1);
      return 'median ' + at(0.5) + ' ms, p95 ' + at(0.95) + ' ms';
    };
    const idle = await run(60, null);
    const wheel = await run(120, () => (grid.scrollTop += 60));
    const fling = await run(120, (i) => (grid.scrollTop = ((grid.scrollHeight - grid.clientHeight) * i) / 120));
    return { idle, wheel, fling, maxCards };
  })()`)) as { idle: string; wheel: string; fling: string; maxCards: number };
  const counter = await page.getByTestId('dataset-counter').textContent();
  console.log(`Dataset grid with ${COUNT} images (${counter})`);
  console.log(`  open to first thumbnails: ${firstGrid} ms (images-list + dataset-health over the WebSocket, first render)`);
  console.log(`  frames idle: ${figures.idle}`);
  console.log(`  frames scrolling 60 px a frame: ${figures.wheel}`);
  console.log(`  frames flinging through all rows: ${figures.fling}`);
  console.log(`  most image cards in the DOM at once: ${figures.maxCards}`);
} finally {
  await browser.close();
  await host.close();
  rmSync(home, { recursive: true, force: true });
}
