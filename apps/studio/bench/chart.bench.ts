// Loss chart render time per update, with 10,000 and 100,000 steps: the real LossChart component, rendered by
// react-dom in Chromium, fed like a live run (4 new steps per update). A script that prints figures, not a test.
// Run: npx tsx apps/studio/bench/chart.bench.ts
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { UpdateFigures } from './chart-page';

const CHROMIUM = '/usr/bin/chromium';
const UPDATES = 40;
const SIZES = [10_000, 100_000];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}. Install it with: apt-get install -y chromium`);
  const bundle = await build({
    entryPoints: [join(dirname(fileURLToPath(import.meta.url)), 'chart-page.tsx')],
    bundle: true,
    write: false,
    format: 'iife',
    jsx: 'automatic',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.setContent('<!doctype html><html><body style="margin:0;background:#15171b"><div id="root" style="width:960px;height:280px"></div></body></html>');
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    console.log(`Loss chart, ${UPDATES} live updates of 4 steps each (smoothing 80%, downsampled), Chromium ${browser.version()}`);
    for (const points of SIZES) {
      const f = await page.evaluate(
        ([n, updates]) => (window as unknown as { chartBench(n: number, u: number): Promise<UpdateFigures> }).chartBench(n, updates),
        [points, UPDATES] as const,
      );
      const ms = (v: number) => `${v.toFixed(1)} ms`;
      console.log(
        `${points.toLocaleString('en').padStart(8)} steps → ${f.drawn} drawn points: update median ${ms(percentile(f.updateMs, 0.5))}, p95 ${ms(percentile(f.updateMs, 0.95))}` +
          ` (of which series prep median ${ms(percentile(f.prepareMs, 0.5))}); ${f.markersDrawn} checkpoint/alert markers`,
      );
    }
  } finally {
    await browser.close();
  }
}

await main();
