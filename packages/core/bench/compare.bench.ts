// Figures for the compare services on a finished run: grid render time (cold and cached), scores.
// Usage: npx tsx packages/core/bench/compare.bench.ts RUN_DIR [--threads 2]
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readRunDescription } from '@lora-studio/trainer';
import { gridCacheDir, ImageRenderer, renderGrid, scoreRun, wildPrompts, type ProjectType } from '../src/compare';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { threads: { type: 'string', default: '2' } } });
const runDir = positionals[0];
if (!runDir) throw new Error('Usage: compare.bench.ts RUN_DIR [--threads N]');
const run = readRunDescription(runDir);
rmSync(gridCacheDir(runDir), { recursive: true, force: true });
let t = performance.now();
const renderer = await ImageRenderer.open(run.base, { threads: Number(values.threads) });
console.log(`open base model: ${(performance.now() - t).toFixed(0)} ms`);
const prompts = wildPrompts(run.config.type as ProjectType, run.config.trigger, run.base);
t = performance.now();
const grid = await renderGrid(renderer, { runDir, prompts, checkpoints: 'all', scales: [1], seed: 7 });
const cold = performance.now() - t;
console.log(`grid ${grid.prompts.length}×${grid.columns.length}: ${cold.toFixed(0)} ms cold (${(cold / grid.cells.length).toFixed(0)} ms/cell, ${grid.steps} steps)`);
t = performance.now();
await renderGrid(renderer, { runDir, prompts, checkpoints: 'all', scales: [1], seed: 7 });
console.log(`same grid again: ${(performance.now() - t).toFixed(0)} ms (cached)`);
t = performance.now();
const scores = await scoreRun(renderer, { runDir, prompts, seed: 7 });
console.log(`scores (${scores.method}): ${(performance.now() - t).toFixed(0)} ms`);
const f = (x: number) => x.toFixed(3);
console.log(`base        consistency ${f(scores.base.consistency)} (each other ${f(scores.base.toEachOther)}, training ${f(scores.base.toTraining)}) nearest ${f(scores.base.nearestTraining)}`);
for (const c of scores.checkpoints) {
  console.log(`step ${String(c.step).padStart(5)}  consistency ${f(c.consistency)} (each other ${f(c.toEachOther)}, training ${f(c.toTraining)}) nearest ${f(c.nearestTraining)} bleed ${f(c.bleed)} trigger change ${f(c.triggerChange)} overfit ${c.overfit} overall ${f(c.overall)}`);
}
console.log(`overfit below ${f(scores.overfitBelow)}; best step ${scores.best}`);
await renderer.close();
