import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MODEL_SUBJECTS, exportCheckpoint, gridPng, ImageRenderer, plainPrompt, renderGrid, scoreRun } from '@lora-studio/core';
import { prepareNewRun, TrainingRun, TrainingSetupError, type TrainingEvent } from '@lora-studio/trainer';
import { repoRoot } from '../paths';
import { CommandFailed } from './call';
import { UsageError, type Command } from './command';

/** The style sample that ships with the studio: Fluent emoji as black line art, captions "…, in the style of flt". */
const STYLE_SAMPLE = join(repoRoot, 'resources', 'samples', 'style');

/**
 * Training steps of the demo's LoRA. Its grid and scores use DEFAULT_MODEL_SUBJECTS: emoji the default model draws
 * that the style sample does not show, so the look must carry over to them with the trigger and leave them alone
 * without it (the guide's "wild prompts" — a cat on a windowsill… — are for real FLUX.2 models). The style's change
 * to trigger prompts levels off by step 300 (0.217 there, 0.210–0.229 at 400–600), and the whole demo has to stay
 * under three minutes on a 2-core CPU, where a step takes about 0.3 s.
 */
const DEMO_STEPS = 320;

/** The grid's and the scores' seed: subject i renders at DEMO_SEED + i in both. */
const DEMO_SEED = 1;

function elapsed(start: number): string {
  const s = (Date.now() - start) / 1000;
  return s < 60 ? `${s.toFixed(0)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the whole job offline on the style sample: train, checkpoints, comparison grid, scores, export.',
  help: `Usage: lora-studio demo [--out DIR] [--steps N] [--threads T]

Trains a style LoRA (trigger "flt": black line-art emoji) on resources/samples/style with the embedded default
model, with prior and output preservation on (the small model's preset), saves checkpoints, renders a comparison
grid (5 emoji the style sample does not show, each with and without the trigger × base model and every
checkpoint, fixed seeds), scores each checkpoint (does the trigger move samples toward the style? do prompts
without it stay close to the base?) and exports the best checkpoint in kohya and diffusers/PEFT formats.
No download, no GPU. Defaults: --out ./lora-studio-demo, --steps ${DEMO_STEPS}.`,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { out: { type: 'string', default: 'lora-studio-demo' }, steps: { type: 'string' }, threads: { type: 'string' } } });
    const out = resolve(values.out!);
    const steps = values.steps === undefined ? DEMO_STEPS : Number(values.steps);
    if (!Number.isInteger(steps) || steps < 4) throw new UsageError('--steps must be a whole number of at least 4.');
    const threads = values.threads === undefined ? undefined : Number(values.threads);
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError('--threads must be a positive whole number.');
    if (existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`${out} is not empty; choose a new --out folder.`);
    mkdirSync(out, { recursive: true });
    const runDir = join(out, 'run');
    const start = Date.now();

    console.log(`1/4 Training a style LoRA on ${STYLE_SAMPLE} (${steps} steps, embedded default model)…`);
    let prepared;
    try {
      prepared = await prepareNewRun(
        { dataset: STYLE_SAMPLE, base: 'default', runDir, type: 'style', trigger: 'flt', overrides: { steps, checkpointEvery: Math.max(1, Math.round(steps / 4)), sampleEvery: 0 } },
        { threads },
      );
    } catch (err) {
      if (err instanceof TrainingSetupError) throw new CommandFailed(err.message);
      throw err;
    }
    const losses: number[] = [];
    const onEvent = (e: TrainingEvent) => {
      if (e.type === 'step') {
        losses.push(e.loss);
        if (e.step % Math.max(1, Math.round(steps / 10)) === 0 || e.step === steps) {
          console.log(`  step ${String(e.step).padStart(4)}/${steps}  loss ${e.loss.toFixed(4)}  smoothed ${e.smoothedLoss.toFixed(4)}  ${e.samplesPerSecond.toFixed(1)} images/s`);
        }
      } else if (e.type === 'checkpoint-saved') console.log(`  checkpoint at step ${e.step}`);
      else if (e.type === 'failed') console.error(`  training failed: ${e.reason}`);
    };
    const outcome = await new TrainingRun(prepared, runDir, onEvent, { threads }).run();
    if (outcome !== 'finished') throw new CommandFailed(`Training ${outcome}; see the messages above.`);
    const tenth = Math.max(1, Math.floor(losses.length / 10));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`  loss: first ${tenth} steps ${mean(losses.slice(0, tenth)).toFixed(4)} → last ${tenth} steps ${mean(losses.slice(-tenth)).toFixed(4)}  (${elapsed(start)})`);

    const renderer = await ImageRenderer.open('default', { threads });
    try {
      console.log(`2/4 Rendering the comparison grid (${DEFAULT_MODEL_SUBJECTS.length} subjects with and without the trigger × base + checkpoints, fixed seeds)…`);
      const triggerPrompts = DEFAULT_MODEL_SUBJECTS.map((s) => `${s}, in the style of flt`);
      // Each trigger row is followed by its twin without the trigger, which should stay close to the base column. The
      // twins share a seed, the one scoring gives that subject (seed + i), so the rows differ only by the trigger and
      // scoring reads all its cells from the grid's cache instead of rendering them again.
      const prompts = triggerPrompts.flatMap((p) => [p, plainPrompt(p, 'flt')]);
      const rowSeeds = triggerPrompts.flatMap((_, i) => [DEMO_SEED + i, DEMO_SEED + i]);
      const grid = await renderGrid(renderer, { runDir, prompts, checkpoints: 'all', scales: [1], seed: DEMO_SEED, rowSeeds, includeBase: true });
      const gridFile = join(out, 'grid.png');
      writeFileSync(gridFile, await gridPng(grid));
      console.log(`  ${gridFile}  (${grid.prompts.length} prompts × ${grid.columns.length} columns, ${elapsed(start)})`);

      console.log('3/4 Scoring checkpoints…');
      const scores = await scoreRun(renderer, { runDir, seed: DEMO_SEED, prompts: triggerPrompts });
      console.log(`  base model: trigger-prompt consistency ${scores.base.consistency.toFixed(3)}, similarity to training images ${scores.base.toTraining.toFixed(3)}`);
      for (const c of scores.checkpoints) {
        console.log(`  step ${String(c.step).padStart(4)}: consistency ${c.consistency.toFixed(3)}, to training ${c.toTraining.toFixed(3)}, bleed on prompts without the trigger ${c.bleed.toFixed(3)} vs change with it ${c.triggerChange.toFixed(3)}${c.overfit ? ' (copies training images)' : ''}`);
      }
      const best = scores.best ?? steps;
      console.log(`  suggested checkpoint: step ${best}`);

      console.log('4/4 Exporting…');
      for (const format of ['kohya', 'peft'] as const) {
        const file = exportCheckpoint({ runDir, step: best, format, outDir: out });
        console.log(`  ${file.path}  (${format}, ${file.keyCount} keys)`);
      }
    } finally {
      await renderer.close();
    }
    console.log(`Done in ${elapsed(start)}. Everything is in ${out}.`);
    return 0;
  },
};
