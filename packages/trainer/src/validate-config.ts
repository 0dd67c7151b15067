// Range checks on a TrainingConfig, run before any file is read or graph compiled.
import { isLoraType, type TrainingConfig } from './config';
import { isScheduler, SCHEDULERS } from './schedule';
import { TrainingSetupError } from './setup-error';

type Check = [ok: boolean, problem: string];

function integerIn(name: string, value: number, min: number, max: number, hint: string): Check {
  return [Number.isInteger(value) && value >= min && value <= max, `${name} must be a whole number from ${min} to ${max} (got ${value}); ${hint}`];
}

function numberIn(name: string, value: number, min: number, max: number, hint: string, openMin = false): Check {
  const ok = Number.isFinite(value) && (openMin ? value > min : value >= min) && value <= max;
  return [ok, `${name} must be ${openMin ? 'above' : 'at least'} ${min} and at most ${max} (got ${value}); ${hint}`];
}

/** Every problem at once, so the user fixes them in one go. */
export function configProblems(c: TrainingConfig, options: { sizeMultiple?: number } = {}): string[] {
  const multiple = options.sizeMultiple ?? 16;
  const checks: Check[] = [
    [isLoraType(c.type), `type must be subject, style or object (got "${c.type}").`],
    [typeof c.trigger === 'string' && /^\S+$/.test(c.trigger), `the trigger must be one word without spaces, such as sks (got "${c.trigger}").`],
    [c.mode === 'lora' || c.mode === 'full', `mode must be lora or full (got "${c.mode}").`],
    integerIn('steps', c.steps, 1, 1_000_000, 'the guide suggests images × 100, typically 500–2000.'),
    integerIn('rank', c.rank, 1, 256, 'use 4–8 for simple concepts, 16 as a balanced default, 32–64 for more detail.'),
    numberIn('alpha', c.alpha, 0, 4096, 'alpha = rank is common, rank/2 for subtler adaptation.', true),
    numberIn('learning rate', c.lr, 0, 0.1, 'the guide uses 5e-5–4e-4 depending on the LoRA type.', true),
    [isScheduler(c.scheduler), `scheduler must be one of ${SCHEDULERS.join(', ')} (got "${c.scheduler}").`],
    integerIn('warmup steps', c.warmupSteps, 0, Math.max(0, c.steps - 1), 'warmup must end before the last step.'),
    integerIn('restart cycles', c.cycles, 1, 100, 'cosine with restarts needs at least one cycle.'),
    numberIn('weight decay', c.weightDecay, 0, 1, '1e-4 is typical.'),
    numberIn('gradient clip norm', c.clipNorm, 0, 1000, '1.0 is typical; 0 turns clipping off.'),
    numberIn('beta1', c.beta1, 0, 0.9999, '0.9 is typical.'),
    numberIn('beta2', c.beta2, 0, 0.99999, '0.999 is typical.'),
    integerIn('batch size', c.batchSize, 1, 64, 'lower it (and raise gradient accumulation) when memory is tight.'),
    integerIn('gradient accumulation', c.gradAccum, 1, 256, '4 with batch size 1 on a 24 GB GPU.'),
    integerIn('resolution', c.resolution, 2 * multiple, 4096, 'FLUX.2 is optimised for 1024; 512 saves memory.'),
    [c.resolution % multiple === 0, `resolution must be a multiple of ${multiple} for this model (got ${c.resolution}).`],
    integerIn('checkpoint every', c.checkpointEvery, 1, 1_000_000, 'the guide saves every 250–500 steps.'),
    integerIn('sample every', c.sampleEvery, 0, 1_000_000, '0 turns periodic samples off.'),
    [Array.isArray(c.samplePrompts) && c.samplePrompts.every((p) => typeof p === 'string' && p.trim().length > 0), 'sample prompts must be non-empty texts.'],
    [Array.isArray(c.sampleSeeds) && c.sampleSeeds.length > 0 && c.sampleSeeds.every((s) => Number.isInteger(s) && s >= 0 && s <= 0xffffffff), 'give at least one sample seed, each a whole number from 0 to 4294967295.'],
    integerIn('sample steps', c.sampleSteps, 1, 200, '28 is typical for FLUX.2.'),
    numberIn('sample guidance', c.sampleGuidance, 0, 30, 'the guide uses 3.5–5.0 for FLUX.2.'),
    integerIn('seed', c.seed, 0, 0xffffffff, 'any whole number; the same seed repeats the same run.'),
    numberIn('guidance', c.guidance, 0, 30, '1.0 while training.'),
    numberIn('caption dropout', c.captionDropout, 0, 0.99, 'a probability; 0.05–0.1 when used.'),
    [typeof c.tagShuffle === 'boolean', 'tag shuffle must be true or false.'],
    [typeof c.flip === 'boolean', 'flip must be true or false.'],
    numberIn('output preservation', c.preservation, 0, 0.9, 'the share of examples trained toward the base model without the trigger; 0.25–0.5 when used.'),
    integerIn('prior-preservation images', c.priorImages, 0, 10_000, 'about one per training image; 0 turns prior preservation off.'),
    ...timestepChecks(c),
  ];
  return checks.filter(([ok]) => !ok).map(([, problem]) => problem);
}

function timestepChecks(c: TrainingConfig): Check[] {
  const t = c.timesteps;
  switch (t?.kind) {
    case 'uniform':
      return [numberIn('timestep shift', t.shift, 0, 100, '1 = no shift, 3 for 1024-pixel FLUX.2 training.', true)];
    case 'logit-normal':
      return [numberIn('logit-normal mean', t.mean, -10, 10, '0 is typical.'), numberIn('logit-normal std', t.std, 0, 10, '1 is typical.', true)];
    case 'sigmoid':
      return [numberIn('sigmoid scale', t.scale, 0, 10, '1 is typical.', true), numberIn('timestep shift', t.shift, 0, 100, '1 = no shift, 3 for 1024-pixel FLUX.2 training.', true)];
    default:
      return [[false, `timestep sampling must be uniform, logit-normal or sigmoid (got ${JSON.stringify(t)}).`]];
  }
}

export function validateConfig(c: TrainingConfig, options: { sizeMultiple?: number } = {}): TrainingConfig {
  const problems = configProblems(c, options);
  if (problems.length) throw new TrainingSetupError(problems);
  return c;
}
