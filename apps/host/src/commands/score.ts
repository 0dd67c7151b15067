import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ImageRenderer, scoreRun, type RunScores } from '@lora-studio/core';
import { readRunDescription } from '@lora-studio/trainer';
import { UsageError, type Command } from './command';
import { numberList, orFail, wholeNumber } from './grid';
import { say, terminalJson } from './terminal-text';

function formatScores(s: RunScores): string {
  const f = (x: number) => x.toFixed(3);
  const lines = [
    `Scores (${s.method}, LoRA scale ${s.scale}, seed ${s.seed}, ${s.triggerPrompts.length} trigger prompts)`,
    `  step     consistency  bleed  trigger-change  nearest-training`,
    `  base     ${f(s.base.consistency)}        -      -               ${f(s.base.nearestTraining)}`,
    ...s.checkpoints.map((c) => `  ${String(c.step).padEnd(8)} ${f(c.consistency)}        ${f(c.bleed)}  ${f(c.triggerChange)}           ${f(c.nearestTraining)}${c.overfit ? '  OVERFIT (copies training images)' : ''}${c.step === s.best ? '  ← best' : ''}`),
  ];
  return lines.join('\n');
}

export const scoreCommand: Command = {
  name: 'score',
  summary: 'Score every checkpoint of a run (consistency, bleed, overfit) and suggest the best.',
  help: `Usage: lora-studio score RUN_DIR [--prompts-file FILE] [--seed S] [--scale X] [--steps N] [--threads T] [--json]

Renders the trigger prompts (default: the "5 wild prompts") and the same prompts without the trigger, for the base
model and every checkpoint (cached like "lora-studio grid"), then scores each checkpoint:
  consistency   trigger samples alike each other and the training images (0–1, higher is better)
  bleed         how much prompts WITHOUT the trigger change with the LoRA (0–1, lower is better)
  overfit       samples nearer a training image than training images are to each other (copying)
The best (highest consistency − bleed, overfit penalised) is what "export --step best" picks unless a favourite is set.
Writes RUN_DIR/scores.json. --json prints it.`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        'prompts-file': { type: 'string' }, seed: { type: 'string' }, scale: { type: 'string' }, steps: { type: 'string' },
        threads: { type: 'string' }, json: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new UsageError('Give exactly one run folder.');
    const runDir = resolve(positionals[0]!);
    const run = await orFail(async () => readRunDescription(runDir));
    const prompts = values['prompts-file'] ? readFileSync(values['prompts-file'], 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : undefined;
    const renderer = await orFail(() => ImageRenderer.open(run.base, { threads: wholeNumber(values.threads, '--threads') }));
    try {
      const scores = await orFail(() => scoreRun(renderer, {
        runDir, prompts, seed: wholeNumber(values.seed, '--seed'), steps: wholeNumber(values.steps, '--steps'),
        scale: values.scale === undefined ? undefined : numberList(values.scale, '--scale')[0],
        onCell: (_, done, total) => { if (!values.json) process.stdout.write(`\rrendering ${done}/${total}`); },
      }));
      if (!values.json) process.stdout.write('\n');
      say(values.json ? terminalJson(scores) : formatScores(scores));
    } finally {
      await renderer.close();
    }
    return 0;
  },
};
