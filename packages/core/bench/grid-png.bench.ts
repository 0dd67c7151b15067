// Writes the wild-prompts grid of a run as a labelled PNG, to look at. Usage: npx tsx packages/core/bench/grid-png.bench.ts RUN_DIR OUT.png [SEED]
import { writeFileSync } from 'node:fs';
import { readRunDescription } from '@lora-studio/trainer';
import { gridPng, ImageRenderer, renderGrid, wildPrompts, type ProjectType } from '../src/compare';

const [runDir, out, seed = '7'] = process.argv.slice(2);
if (!runDir || !out) throw new Error('Usage: grid-png.bench.ts RUN_DIR OUT.png [SEED]');
const run = readRunDescription(runDir);
const renderer = await ImageRenderer.open(run.base, { threads: 2 });
const grid = await renderGrid(renderer, { runDir, prompts: wildPrompts(run.config.type as ProjectType, run.config.trigger, run.base), checkpoints: 'all', scales: [1], seed: Number(seed) });
writeFileSync(out, await gridPng(grid));
await renderer.close();
