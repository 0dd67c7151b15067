import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MAX_REFERENCE_IMAGES, tooManyReferences } from '@lora-studio/api';
import { DEFAULT_SCALES, gridPng, ImageRenderer, renderGrid, wildPrompts, type GridResult, type ProjectType } from '@lora-studio/core';
import { readRunDescription } from '@lora-studio/trainer';
import { CommandFailed } from './call';
import { UsageError, type Command } from './command';
import { say, terminalJson } from './terminal-text';

/** Library errors here are about the user's run (missing steps, bad prompts file): show them without a stack. */
export async function orFail<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new CommandFailed(err instanceof Error ? err.message : String(err));
  }
}

export function numberList(raw: string, flag: string): number[] {
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isFinite(v))) throw new UsageError(`${flag} takes comma-separated numbers, e.g. 0.6,0.8,1.0 (got "${raw}").`);
  return values;
}

export function wholeNumber(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number (got "${raw}").`);
  return n;
}

function readPrompts(file: string): string[] {
  const prompts = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (prompts.length === 0) throw new UsageError(`${file} has no prompts; write one per line.`);
  return prompts;
}

function gridJson(g: GridResult) {
  return { prompts: g.prompts, columns: g.columns, cells: g.cells, seed: g.seed, steps: g.steps, guidance: g.guidance, width: g.width, height: g.height };
}

/** --reference files, checked before the model loads: at most three, each an existing file. */
export function referenceFiles(given: string[] | undefined): string[] {
  const files = (given ?? []).map((f) => resolve(f));
  if (files.length > MAX_REFERENCE_IMAGES) throw new UsageError(`--reference: ${tooManyReferences(files.length)}`);
  for (const f of files) if (!existsSync(f) || !statSync(f).isFile()) throw new UsageError(`--reference ${f} is not a file.`);
  return files;
}

export const gridCommand: Command = {
  name: 'grid',
  summary: 'Render a checkpoint comparison grid (prompts × checkpoints × LoRA scales) as one PNG.',
  help: `Usage: lora-studio grid RUN_DIR [--prompts FILE] [--checkpoints all|LIST] [--scales LIST] [--seed S]
         [--steps N] [--guidance G] [--reference FILE]... [--no-base] [--ema] [--threads T] --out grid.png [--json]

Rows are prompts (FILE: one per line; default: the "5 wild prompts" for the run's type and trigger), columns the
base model without LoRA, then each checkpoint at each LoRA scale (default ${DEFAULT_SCALES.join(',')}). Row r uses seed S + r
in every column, so cells differ only by the checkpoint. Cells are cached in RUN_DIR/grid-cache/ (keyed by the
checkpoint file's content, prompt, seed, scale, steps, guidance and size): a second run is instant.
--reference (up to 3 times) gives every cell FLUX.2 reference images, for an edit LoRA (the "before" picture first).
--ema renders the checkpoints' moving average of the adapter (runs trained with --ema DECAY) instead of their trained tensors.
--json prints the grid (cell files, columns) as JSON.
Example: lora-studio grid runs/flt --checkpoints 100,200 --scales 0.8,1 --seed 1 --out grid.png`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        prompts: { type: 'string' }, checkpoints: { type: 'string', default: 'all' }, scales: { type: 'string' }, seed: { type: 'string', default: '0' },
        steps: { type: 'string' }, guidance: { type: 'string' }, 'no-base': { type: 'boolean', default: false }, threads: { type: 'string' },
        out: { type: 'string' }, json: { type: 'boolean', default: false }, reference: { type: 'string', multiple: true }, ema: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new UsageError('Give exactly one run folder (the --out folder of "lora-studio train").');
    if (!values.out) throw new UsageError('--out grid.png is required.');
    const runDir = resolve(positionals[0]!);
    const run = await orFail(async () => readRunDescription(runDir));
    const prompts = values.prompts ? readPrompts(values.prompts) : wildPrompts(run.config.type as ProjectType, run.config.trigger, run.base);
    const checkpoints = values.checkpoints === 'all' ? 'all' : numberList(values.checkpoints!, '--checkpoints');
    const scales = values.scales ? numberList(values.scales, '--scales') : DEFAULT_SCALES;
    const seed = wholeNumber(values.seed, '--seed')!;
    const renderer = await orFail(() => ImageRenderer.open(run.base, { threads: wholeNumber(values.threads, '--threads') }));
    try {
      const grid = await orFail(() => renderGrid(renderer, {
        runDir, prompts, checkpoints, scales, seed,
        steps: wholeNumber(values.steps, '--steps'), guidance: values.guidance === undefined ? undefined : Number(values.guidance),
        includeBase: !values['no-base'], references: referenceFiles(values.reference), weights: values.ema ? 'ema' : 'trained',
        onCell: (cell, done, total) => { if (!values.json) say(`cell ${done}/${total}${cell.cached ? ' (cached)' : ''}  ${cell.step === null ? 'base' : `step ${cell.step} ×${cell.scale}`}  "${cell.prompt}"`); },
      }));
      writeFileSync(values.out, await gridPng(grid));
      say(values.json ? terminalJson({ out: resolve(values.out), ...gridJson(grid) }) : `Grid ${grid.prompts.length}×${grid.columns.length} written to ${values.out}`);
    } finally {
      await renderer.close();
    }
    return 0;
  },
};
