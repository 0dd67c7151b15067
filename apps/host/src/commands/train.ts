import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  describeMemory, gigabytes, isLoraType, isScheduler, mostReferences, prepareNewRun, prepareResume, resolveBaseDir, TrainingRun, TrainingSetupError,
  type PreparedRun, type TrainingConfig, type TrainingEvent,
} from '@lora-studio/trainer';
import { adapterKinds } from '@lora-studio/api';
import { checkModelId, checkRunMemory, parseLabels } from '@lora-studio/core';
import { CommandFailed } from './call';
import { UsageError, type Command } from './command';
import { complain, say, terminalJson } from './terminal-text';
import { baseFromLibrary } from './library-base';
import { queueConnection, queueFlags, QUEUE_HELP } from './queue-options';
import { artifactFlags, ARTIFACTS_HELP, artifactStoreOption } from './artifact-options';
import { onStopSignals } from './stop-signals';
import { resumeOnQueue, submitToQueue } from './train-queue';

/** Human-readable progress: every event but steps, and about 50 step lines per run. */
export function printer(json: boolean, totalSteps: () => number): (e: TrainingEvent) => void {
  if (json) return (e) => say(terminalJson(e));
  let lastEncoding = 0;
  return (e) => {
    switch (e.type) {
      case 'preparing':
        if ((e.stage === 'encoding' || e.stage === 'prior') && e.done !== e.total && Date.now() - lastEncoding < 1000) return;
        lastEncoding = Date.now();
        if (e.stage === 'prior') return say(`Drawing prior-preservation pictures with the base model ${e.done}/${e.total}…`);
        return say(e.stage === 'encoding' ? `Encoding images ${e.done}/${e.total}…` : `Compiling the training graph…`);
      case 'started': {
        const c = e.config;
        say(`${e.resumedFrom === null ? 'Training' : `Resuming at step ${e.resumedFrom} of`} ${c.type} LoRA "${c.trigger}" on ${e.images} images${e.priorImages ? ` + ${e.priorImages} prior-preservation pictures` : ''} (${e.baseModel}, ${e.provider})`);
        say(`  ${c.steps} steps, rank ${c.rank}, alpha ${c.alpha}, lr ${c.lr} ${c.scheduler}, batch ${c.batchSize}×${c.gradAccum}, ${c.resolution}px, seed ${c.seed}${c.preservation ? `, output preservation ${c.preservation}` : ''}`);
        say(`  memory: about ${gigabytes(e.memoryEstimate.totalBytes)} at ${e.textTokens} text tokens (${describeMemory(e.memoryEstimate, c.basePrecision ?? 'bf16')})`);
        return say(`  encodings: ${e.cache.imageHits + e.cache.textHits} from cache, ${e.cache.imageEncodes + e.cache.textEncodes} encoded`);
      }
      case 'step': {
        const every = Math.max(1, Math.round(totalSteps() / 50));
        if (e.step % every !== 0 && e.step !== e.totalSteps && e.step !== 1) return;
        return say(`step ${e.step}/${e.totalSteps}  loss ${e.loss.toFixed(4)} (smoothed ${e.smoothedLoss.toFixed(4)})  lr ${e.lr.toExponential(2)}  ${(1000 / e.stepMs).toFixed(1)} steps/s  ${e.memoryMb} MiB`);
      }
      case 'checkpoint-saved':
        return say(`checkpoint ${e.path}`);
      case 'sample-written':
        return say(`sample ${e.path}  "${e.prompt}" seed ${e.seed}`);
      case 'loss-alert':
        return say(`note: ${e.message}`);
      case 'paused':
      case 'resumed':
        return say(`${e.type} at step ${e.step}`);
      case 'stopped':
        return say(`Stopped at step ${e.step}.${e.checkpoint ? ` Progress kept in ${e.checkpoint}; continue with "lora-studio resume".` : ''}`);
      case 'finished':
        return say(`Finished ${e.step} steps. LoRA: ${e.lora}${e.finalLoss === null ? '' : ` (last loss ${e.finalLoss.toFixed(4)})`}`);
      case 'failed':
        return complain(`Training failed at step ${e.step}: ${e.reason}${e.checkpoint ? `\nLast good checkpoint: ${e.checkpoint}` : ''}`);
    }
  };
}

async function prepareOrFail(prepare: () => Promise<PreparedRun>): Promise<PreparedRun> {
  try {
    return await prepare();
  } catch (err) {
    if (err instanceof TrainingSetupError) throw new CommandFailed(err.message);
    throw err;
  }
}

/** Ctrl+C stops at the next step boundary and keeps a checkpoint; a second Ctrl+C quits at once. */
async function runWithSignals(run: TrainingRun): Promise<number> {
  const stopListening = onStopSignals(() => run.stop());
  try {
    const outcome = await run.run();
    return outcome === 'failed' ? 1 : 0;
  } finally {
    stopListening();
  }
}

const NUMBER_FLAGS = {
  steps: 'steps', rank: 'rank', alpha: 'alpha', lr: 'lr', batch: 'batchSize', accum: 'gradAccum', resolution: 'resolution',
  'checkpoint-every': 'checkpointEvery', 'sample-every': 'sampleEvery', seed: 'seed', 'prior-images': 'priorImages', preservation: 'preservation',
  'lokr-factor': 'lokrFactor', ema: 'ema',
} as const satisfies Record<string, keyof TrainingConfig>;

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a LoRA on a project or a folder of captioned images.',
  help: `Usage: lora-studio train DATASET_DIR_OR_PROJECT --base default|NAME|PATH --type subject|style|object --trigger WORD --out RUN_DIR
         [--steps N] [--rank R] [--alpha A] [--lr LR] [--scheduler S] [--batch B] [--accum K] [--resolution PX]
         [--checkpoint-every N] [--sample-every N] [--seed S] [--preservation SHARE] [--prior-images N] [--threads T] [--json]
         [--adapter lora|lokr|loha] [--lokr-factor F] [--ema DECAY] [--queue redis://HOST:PORT [--labels a,b]
         [--artifacts s3://BUCKET/PREFIX [--s3-endpoint URL] [--s3-region R] [--s3-path-style]]]

DATASET is a project folder (its included images and captions; type and trigger default to the project's) or a
folder of images with a same-name .txt caption each. Unset values come from the guide's preset for the LoRA type:
  subject  lr 2e-4, cosine with restarts     style  lr 1e-4, constant with warmup     object  lr 2e-4, cosine
  steps = images × 100 within 500–2000, rank 16, alpha = rank, a checkpoint every 250–500 steps
  (the small default model: images × 10 within 100–500 steps and 5× the learning rate, batch 4).
Schedulers: constant, constant-with-warmup, linear, cosine, cosine-with-restarts.
--preservation SHARE: output preservation. That share of examples (0–0.9) is trained with the trigger taken out
of its caption, toward what the base model itself predicts, so prompts without the trigger keep their look.
Default: 0.5 on the small default model, 0 (off) on large models, where it costs an extra forward pass.
--prior-images N: prior preservation. The base model first draws N pictures from the captions with the trigger
taken out (RUN_DIR/prior/), trained on beside the dataset so prompts without the trigger keep their look.
Default: one per image (at most 200) on the small default model, 0 (off) on large models.
--adapter: what each layer learns. lora (default): a low-rank pair B·A. lokr: a Kronecker product W1 ⊗ W2, W2 low
rank when --rank is below half its side (--lokr-factor F splits each side by F; -1, the default, as evenly as it
divides). loha: a Hadamard product (B1·A1) ⊙ (B2·A2). LoKr and LoHa files use LyCORIS's key names (ComfyUI reads them).
--ema DECAY: also keep an exponential moving average of the adapter (0.999–0.9999; off by default); checkpoints
hold both, and "export --ema" writes the average.
RUN_DIR gets run.json, checkpoints/, samples/, metrics.jsonl and lora.safetensors (kohya format).
Ctrl+C stops at the next step and keeps a checkpoint; continue with "lora-studio resume RUN_DIR".
--json prints one JSON object per event line. --threads fixes the CPU threads (keep it the same when resuming
for bit-identical results).
--queue URL: train on a run-queue worker ("lora-studio worker") instead of here. The dataset is uploaded, --base
names a model in the workers' libraries (default, or a name), and this command follows the run exactly like a local
one, filling RUN_DIR as results arrive; Ctrl+C detaches and leaves the run going. --labels a,b: only workers with
every one of these labels take it.
${QUEUE_HELP}
${ARTIFACTS_HELP}
Example: lora-studio train resources/samples/style --base default --type style --trigger flt --out runs/flt`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        base: { type: 'string', default: 'default' }, type: { type: 'string' }, trigger: { type: 'string' }, out: { type: 'string' },
        scheduler: { type: 'string' }, adapter: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean', default: false },
        queue: { type: 'string' }, labels: { type: 'string' }, ...queueFlags, ...artifactFlags,
        ...Object.fromEntries(Object.keys(NUMBER_FLAGS).map((k) => [k, { type: 'string' as const }])),
      },
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new UsageError('Give exactly one dataset: a project folder or a folder of images with .txt captions.');
    if (!values.out) throw new UsageError('--out RUN_DIR is required (a new folder for checkpoints, samples and the LoRA).');
    const type = values.type;
    if (type !== undefined && !isLoraType(type)) throw new UsageError('--type must be subject, style or object.');
    const scheduler = values.scheduler;
    if (scheduler !== undefined && !isScheduler(scheduler)) {
      throw new UsageError('--scheduler must be constant, constant-with-warmup, linear, cosine or cosine-with-restarts.');
    }
    const overrides: Partial<TrainingConfig> = {};
    for (const [flag, key] of Object.entries(NUMBER_FLAGS)) {
      const raw = (values as Record<string, unknown>)[flag];
      if (typeof raw === 'string') (overrides as Record<string, number>)[key] = Number(raw);
    }
    if (scheduler) overrides.scheduler = scheduler;
    if (values.adapter !== undefined) {
      if (!(adapterKinds as readonly string[]).includes(values.adapter)) throw new UsageError(`--adapter must be ${adapterKinds.join(', ')} (got "${values.adapter}").`);
      overrides.adapter = values.adapter as (typeof adapterKinds)[number];
    }
    if (overrides.rank !== undefined && overrides.alpha === undefined) overrides.alpha = overrides.rank;
    const threads = values.threads === undefined ? undefined : Number(values.threads);
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError('--threads must be a positive whole number.');
    if (values.queue) {
      const artifacts = artifactStoreOption(values);
      const connection = { ...queueConnection(values.queue, values), ...(artifacts ? { artifacts } : {}) };
      let labels: string[];
      try {
        labels = parseLabels(values.labels);
        checkModelId(values.base);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const steps = () => overrides.steps ?? 0;
      let total = 0;
      const print = printer(values.json!, () => total || steps());
      return submitToQueue(connection, {
        dataset: positionals[0]!, base: values.base!, baseHere: resolveBaseDir(baseFromLibrary(values.base!)), runDir: values.out!, type, trigger: values.trigger,
        overrides, labels, ...(threads !== undefined ? { threads } : {}),
      }, values.json!, (e) => {
        if (e.type === 'started') total = e.config.steps;
        print(e);
      });
    }
    if (values.labels) throw new UsageError('--labels only applies with --queue.');
    if (values.artifacts) throw new UsageError('--artifacts only applies with --queue.');
    const prepared = await prepareOrFail(() => prepareNewRun({
      dataset: positionals[0]!, base: baseFromLibrary(values.base!), runDir: values.out!,
      type, trigger: values.trigger, overrides,
    }, { threads }));
    const config = prepared.description.config;
    // Said before the model is compiled: a run that cannot fit would otherwise fail minutes in.
    const memory = checkRunMemory(prepared.model, config, undefined, undefined, mostReferences(prepared.dataset));
    if (memory.problem && !values.json) complain(`note: ${memory.problem.message}`);
    return runWithSignals(new TrainingRun(prepared, resolve(values.out!), printer(values.json!, () => config.steps), { threads }));
  },
};

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'Continue a training run from its last checkpoint.',
  help: `Usage: lora-studio resume RUN_DIR [--threads T] [--json] [--queue redis://HOST:PORT [--artifacts s3://BUCKET/PREFIX …]]

Continues the run in RUN_DIR (made by "lora-studio train") from its newest checkpoint with the same dataset, base
model and settings. With the same --threads as before, the losses and the final LoRA are bit-identical to an
uninterrupted run.
--queue URL: RUN_DIR was trained on the run queue ("train --queue"): queue it again if it stopped, failed or was
interrupted (it continues on a worker from its last uploaded checkpoint), and follow it; a run still going is just
followed. A run whose files are in a bucket needs that bucket's flags and key again.
${QUEUE_HELP}
${ARTIFACTS_HELP}
Example: lora-studio resume runs/flt`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { threads: { type: 'string' }, json: { type: 'boolean', default: false }, queue: { type: 'string' }, ...queueFlags, ...artifactFlags },
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new UsageError('Give exactly one run folder.');
    if (values.queue) {
      let total = 0;
      const print = printer(values.json!, () => total);
      const artifacts = artifactStoreOption(values);
      return resumeOnQueue({ ...queueConnection(values.queue, values), ...(artifacts ? { artifacts } : {}) }, positionals[0]!, values.json!, (e) => {
        if (e.type === 'started') total = e.config.steps;
        print(e);
      });
    }
    const threads = values.threads === undefined ? undefined : Number(values.threads);
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError('--threads must be a positive whole number.');
    const prepared = await prepareOrFail(() => prepareResume(positionals[0]!, { threads }));
    const config = prepared.description.config;
    return runWithSignals(new TrainingRun(prepared, resolve(positionals[0]!), printer(values.json!, () => config.steps), { threads }));
  },
};
