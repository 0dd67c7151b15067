// The training loop. One compiled step graph per aspect bucket; per step: a batch from the seeded data order,
// noise and timesteps from the checkpointed random stream, the fused step (or accumulate × K + apply), metrics,
// checkpoints, samples. Pause / stop / save-now / sample-now are handled between steps, so no step is half done.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  createSession, hostTensor, joinArrays, packLayout, repeatArray, runAccumulateStep, runApplyUpdate, runTrainStep, SeededRandom, TrainState, updateEma,
  type EngineSession, type HostTensor, type PackLayout, type TrainStepIO,
} from '@lora-studio/onnx';
import { adapterFromValues, adapterParameterName, adapterType, type LoraTargets, type ReferenceTokens } from '@lora-studio/models';
import type { BaseModel } from './base-model/base-model';
import { withBasePrecision } from './base-model/base-precision';
import { checkpointFileName, latestCheckpoint, writeCheckpoint } from './checkpoint';
import { emaDecay } from './ema';
import { adapterSettings, type TrainingConfig } from './config';
import { bucketKey, makeBuckets, pickBucket, type Bucket } from './data/buckets';
import { BasePrediction } from './base-prediction';
import { augmentCaption, withoutTrigger } from './data/captions';
import type { Dataset, DatasetImage } from './data/dataset';
import { ensurePriorImages } from './data/prior-images';
import { EncodingCache } from './data/encoding-cache';
import type { EncodedTensor } from './data/encoders';
import { capTextTokens, textTokenCap } from './data/text-tokens';
import { visibleSize } from './data/images';
import { DataOrder, START_POSITION, type DataPosition } from './data-order';
import type { TrainingEvent } from './events';
import { ConceptLoss } from './concept-loss';
import { defaultMonitorOptions, LossMonitor, NonFiniteLossError } from './loss-monitor';
import { MetricsLog } from './metrics-log';
import { TrainingRandom } from './rng';
import { runPaths, writeRunDescription } from './run-folder';
import { runMemoryEstimate } from './run-memory';
import { TrainingSampler } from './sampler';
import { learningRateAt } from './schedule';
import type { PreparedRun, RuntimeOptions } from './setup';
import { trainableSpecs, buildTrainStep, LOSS_WEIGHT_INPUT, PRESERVE_INPUT, STEP_INPUTS, stepPredictsBase } from './train-step-graph';
import { maskTokenWeights, normaliseRow } from './data/masks';
import { mostReferences, referenceCount, referencePictures } from './data/references';

export type RunOutcome = 'finished' | 'stopped' | 'failed';

interface CompiledBucket {
  step: EngineSession;
  stepIo: TrainStepIO;
  apply?: EngineSession;
  applyIo?: TrainStepIO;
}

interface SampleRequest {
  prompt: string;
  seed: number;
  /** Part of the file name: prompt number for scheduled samples, request number for "sample now". */
  label: string;
}

interface Example {
  imageIndex: number;
  bucket: Bucket;
  /** Edit LoRAs: the image's reference pictures, encoded at its bucket (a batch only mixes equal counts). */
  references: DatasetImage[];
}

export class TrainingRun {
  private readonly config: TrainingConfig;
  private readonly paths: ReturnType<typeof runPaths>;
  private readonly cache: EncodingCache;
  private readonly log: MetricsLog;
  private readonly compiled = new Map<string, Promise<CompiledBucket>>();
  private readonly samplers = new Map<string, TrainingSampler>();
  /** The base model's own prediction (full fine-tuning's preservation), per whether the rows bring references. */
  private readonly basePredictions = new Map<boolean, Promise<BasePrediction>>();
  /** The samples' reference tokens: encoded once, with the dataset, and read by every sample checkpoint. */
  private sampleRefs: Promise<ReferenceTokens[]> | undefined;
  /** The dataset's images, then the prior-preservation pictures. */
  private images: DatasetImage[] = [];
  private examples: Example[] = [];
  private order!: DataOrder;
  private state!: TrainState;
  private rng!: TrainingRandom;
  private position: DataPosition = START_POSITION;
  private monitor!: LossMonitor;
  private lastCheckpoint: string | null = null;
  /** The moving average of the trained tensors, when the run keeps one. */
  private ema: Float32Array | undefined;
  /** Text rows every step, sample and base prediction uses (the longest text's tokens; see text-tokens.ts). */
  private textTokens = 0;
  private lastLoss: number | null = null;
  private resumedFrom: number | null = null;
  // Requests from the user, applied between steps.
  private pauseRequested = false;
  private stopRequested = false;
  private saveRequested = false;
  private readonly sampleRequests: SampleRequest[] = [];
  private requestCount = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly prepared: PreparedRun,
    readonly runDir: string,
    private readonly emit: (event: TrainingEvent) => void,
    private readonly options: RuntimeOptions = {},
  ) {
    this.config = prepared.description.config;
    this.paths = runPaths(runDir);
    this.cache = new EncodingCache(prepared.dataset.cacheDir, prepared.model.encoders);
    this.log = new MetricsLog(this.paths.metrics);
  }

  get step(): number {
    return this.state?.step ?? 0;
  }

  pause(): void {
    this.pauseRequested = true;
  }

  resume(): void {
    this.pauseRequested = false;
    this.wake?.();
  }

  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  saveCheckpointNow(): void {
    this.saveRequested = true;
    this.wake?.();
  }

  sampleNow(prompt: string, seed = this.config.sampleSeeds[0] ?? 0): void {
    this.sampleRequests.push({ prompt, seed, label: `request${++this.requestCount}` });
    this.wake?.();
  }

  /** Runs to the last step, a stop request or a failure; never throws for training problems (they become events). */
  async run(): Promise<RunOutcome> {
    const { dataset, description } = this.prepared;
    let model = this.prepared.model;
    try {
      for (const dir of [this.paths.checkpoints, this.paths.samples]) mkdirSync(dir, { recursive: true });
      model = this.prepared.model = withBasePrecision(model, this.config.basePrecision, this.paths.cache);
      writeRunDescription(this.runDir, description);
      this.textTokens = await this.measureTextTokens();
      this.images = [...dataset.images, ...(await this.priorImages(dataset))];
      await this.planExamples(model);
      await this.encodeAll();
      // Everything the steps need is cached now: the text encoder and VAE encoder leave memory before training.
      await model.encoders.release?.();
      this.restoreOrInit(model);
      this.emit({ type: 'preparing', stage: 'compiling' });
      const first = this.examples[this.order.take(this.position).entries[0]!]!;
      const compiled = await this.compiledFor(first.bucket, first.references.length);
      this.emit({
        type: 'started', runDir: this.runDir, step: this.state.step, totalSteps: this.config.steps, resumedFrom: this.resumedFrom,
        images: dataset.images.length, priorImages: this.images.length - dataset.images.length, buckets: [...new Set(this.examples.map((e) => bucketKey(e.bucket)))], textTokens: this.textTokens, memoryEstimate: runMemoryEstimate(model, this.config, this.textTokens, mostReferences(dataset)), provider: compiled.step.provider,
        baseModel: model.id, cache: { ...this.cache.stats }, config: this.config,
      });
      while (this.state.step < this.config.steps) {
        const interrupted = await this.handleRequests();
        if (interrupted) return 'stopped';
        await this.trainOneStep();
        const decay = emaDecay(this.config);
        if (this.ema && decay !== undefined) updateEma(this.ema, this.state.params, decay);
        const step = this.state.step;
        if (step % this.config.checkpointEvery === 0 || step === this.config.steps) this.saveCheckpoint();
        if (this.config.sampleEvery > 0 && step % this.config.sampleEvery === 0) await this.writeSamples(this.scheduledSamples(), false);
      }
      await this.handleRequests(true);
      const lora = this.exportResult(model);
      this.emit({ type: 'finished', step: this.state.step, lora, finalLoss: this.lastLoss });
      return 'finished';
    } catch (error) {
      const reason = error instanceof NonFiniteLossError ? error.message : `${(error as Error).message ?? String(error)}`;
      this.emit({ type: 'failed', step: this.state?.step ?? 0, reason, checkpoint: this.lastCheckpoint });
      return 'failed';
    } finally {
      await this.close();
    }
  }

  private async close(): Promise<void> {
    for (const c of this.compiled.values()) {
      const s = await c.catch(() => undefined);
      await s?.step.release();
      await s?.apply?.release();
    }
    for (const s of this.samplers.values()) await s.close();
    for (const p of this.basePredictions.values()) await (await p.catch(() => undefined))?.release();
    await this.prepared.model.close();
  }

  /** Draws (or finds from an earlier sitting) the prior-preservation pictures; none when the config says 0. */
  private async priorImages(dataset: Dataset): Promise<DatasetImage[]> {
    const count = this.config.priorImages ?? 0;
    if (count === 0) return [];
    const sampler = this.samplerFor(this.sampleBucket());
    const unconditional = await this.text('');
    return ensurePriorImages({
      dir: this.paths.prior, count, captions: dataset.images.map((i) => i.caption ?? ''), trigger: this.config.trigger, seed: this.config.seed,
      render: async (caption, seed) => sampler.renderBase(await this.text(caption), unconditional, seed),
      onProgress: (done, total) => this.emit({ type: 'preparing', stage: 'prior', done, total }),
    }).finally(() => sampler.close());
  }

  /**
   * The longest of the run's own texts (dataset captions, sample prompts, the empty caption) in tokens. Prior
   * pictures' captions are dataset captions with the trigger taken out, so never longer.
   */
  private async measureTextTokens(): Promise<number> {
    const texts = [...this.prepared.dataset.images.map((i) => i.caption ?? ''), ...this.config.samplePrompts, ''];
    const encoded: EncodedTensor[] = [];
    for (const t of new Set(texts)) encoded.push(await this.cache.text(t));
    return textTokenCap(encoded);
  }

  private async text(caption: string): Promise<EncodedTensor> {
    return capTextTokens(await this.cache.text(caption), this.textTokens);
  }

  /** Each image's bucket from its visible size (after EXIF orientation and crop). */
  private async planExamples(model: BaseModel): Promise<void> {
    const buckets = model.encoders.fixedBuckets ?? makeBuckets(this.config.resolution, model.encoders.sizeMultiple);
    this.examples = [];
    for (let i = 0; i < this.images.length; i++) {
      const image = this.images[i]!;
      const size = await visibleSize(image);
      referenceCount(image);
      this.examples.push({ imageIndex: i, bucket: pickBucket(size.width, size.height, buckets), references: await referencePictures(image) });
    }
    // A step graph has one reference count, so images with 1, 2 or 3 references batch apart (and apart from plain
    // images, whose batching stays exactly as before).
    const group = (e: Example) => bucketWithReferences(e.bucket, e.references.length);
    this.order = new DataOrder(this.images.map((img, i) => ({ bucket: group(this.examples[i]!), repeats: img.repeats })), this.config.batchSize, this.config.seed);
  }

  /** Encodes (or finds in the cache) every image and caption up front, so training steps never wait on encoders. */
  private async encodeAll(): Promise<void> {
    const total = this.images.length;
    for (let i = 0; i < total; i++) {
      const image = this.images[i]!;
      const bucket = this.examples[i]!.bucket;
      for (const picture of [image, ...this.examples[i]!.references]) {
        await this.cache.image(picture, bucket, this.config.resolution, false);
        if (this.config.flip) await this.cache.image(picture, bucket, this.config.resolution, true);
      }
      await this.cache.text(image.caption!);
      this.emit({ type: 'preparing', stage: 'encoding', done: i + 1, total });
    }
    // An edit LoRA's samples read references at the sample size: encoded now, while the encoders are loaded.
    await this.sampleReferences();
    if (this.config.captionDropout > 0) await this.cache.text('');
    for (const prompt of this.config.samplePrompts) await this.cache.text(prompt);
  }

  private restoreOrInit(model: BaseModel): void {
    const layout = packLayout(trainableSpecs(model, this.config));
    const checkpoint = latestCheckpoint(this.paths.checkpoints);
    const monitorOptions = defaultMonitorOptions(this.config.steps);
    if (checkpoint) {
      if (checkpoint.baseModel !== model.id) {
        throw new Error(`The checkpoints in ${this.paths.checkpoints} were trained on ${checkpoint.baseModel}, but the base model is now ${model.id}. Restore that model or start a new run.`);
      }
      this.state = new TrainState(layout, checkpoint.params, checkpoint.m, checkpoint.v, checkpoint.step);
      // A run that turned EMA on after this checkpoint starts the average from the tensors as they are.
      this.ema = emaDecay(this.config) === undefined ? undefined : checkpoint.ema ?? Float32Array.from(checkpoint.params);
      this.rng = TrainingRandom.fromState(checkpoint.rng);
      this.position = checkpoint.data;
      this.monitor = new LossMonitor(monitorOptions, checkpoint.monitor);
      this.resumedFrom = checkpoint.step;
      this.lastCheckpoint = join(this.paths.checkpoints, checkpointFileName(checkpoint.step));
      this.log.truncateAfter(checkpoint.step);
      return;
    }
    this.log.truncateAfter(0);
    this.state = TrainState.init(layout, this.initialParams(model, layout));
    this.ema = emaDecay(this.config) === undefined ? undefined : Float32Array.from(this.state.params);
    this.rng = TrainingRandom.fromSeed(this.config.seed);
    this.monitor = new LossMonitor(monitorOptions);
  }

  private initialParams(model: BaseModel, layout: PackLayout): Float32Array {
    const out = new Float32Array(layout.total);
    const offsets = new Map(layout.entries.map((e) => [e.name, e.offset]));
    if (this.config.mode === 'full') {
      for (const e of layout.entries) out.set(model.family.readWeight(model.weights, e.name), e.offset);
      return out;
    }
    // One stream drawn layer by layer in model order: a LoRA starts exactly as the family's createLoraAdapter.
    const type = adapterType(this.config.adapter);
    const settings = adapterSettings(this.config);
    const rng = new SeededRandom(this.config.seed);
    for (const l of model.family.loraTargets(this.config.targets as LoraTargets)) {
      const values = type.init(l, settings, rng);
      type.tensors(l, settings).forEach((spec, i) => out.set(values[i]!, offsets.get(adapterParameterName(l.path, spec.role))!));
    }
    return out;
  }

  /** The step graph of a bucket and a reference count (each reference is encoded at the bucket's size). */
  private compiledFor(bucket: Bucket, references: number): Promise<CompiledBucket> {
    const key = bucketWithReferences(bucket, references);
    let c = this.compiled.get(key);
    if (!c) {
      c = (async () => {
        const m = this.prepared.model;
        const imageTokens = (bucket.width / m.encoders.sizeMultiple) * (bucket.height / m.encoders.sizeMultiple);
        const textTokens = (await this.text(this.images[0]!.caption!)).shape[0]!;
        const graphs = buildTrainStep(m, this.config, {
          batch: this.config.batchSize, imageTokens, textTokens, lossWeights: this.masked(), referenceTokens: references * imageTokens,
        });
        // CUDA where its provider loads, else the CPU (the reason is in the session's fallbacks).
        const opts = { threads: this.options.threads, ...graphs.session };
        const step = await createSession(graphs.step.bytes, opts);
        const apply = graphs.apply ? await createSession(graphs.apply.bytes, opts) : undefined;
        return { step, stepIo: graphs.step.io, apply, applyIo: graphs.apply?.io };
      })();
      this.compiled.set(key, c);
    }
    return c;
  }

  /** Masked training: some image has a mask (runs without one keep today's step graph, bit for bit). */
  private masked(): boolean {
    return this.images.some((i) => i.mask);
  }

  /** The model inputs of one micro-batch; random draws in a fixed order (flips, captions, then t, then noise). */
  private async microBatch(): Promise<{ feeds: Record<string, HostTensor>; bucket: Bucket; references: number; preserved: number[] }> {
    const { entries, next } = this.order.take(this.position);
    this.position = next;
    const images = this.images;
    const bucket = this.examples[entries[0]!]!.bucket;
    const references = this.examples[entries[0]!]!.references.length;
    const refs: Float32Array[] = [];
    const x0s: Float32Array[] = [];
    const texts: Float32Array[] = [];
    const weights: Float32Array[] = [];
    const preserved: number[] = [];
    let textTokens = 0;
    const share = this.config.preservation ?? 0;
    const datasetSize = this.prepared.dataset.images.length;
    for (const [row, e] of entries.entries()) {
      const imageIndex = this.examples[e]!.imageIndex;
      const image = images[imageIndex]!;
      const flip = this.config.flip && this.rng.uniform() < 0.5;
      // A prior picture came from the base model, so its exact target is the base model's own prediction (no
      // noise in the target, unlike ε − x0), on the very states a prompt without the trigger passes through.
      const drawn = share > 0 && this.rng.uniform() < share;
      const preserve = imageIndex >= datasetSize || drawn;
      // Half the preserved rows keep the empty caption too: guidance samples against it, so a LoRA that moved the
      // unconditional prediction would still change every prompt.
      const unconditional = preserve && this.rng.uniform() < 0.5;
      if (preserve) preserved.push(row);
      const caption = unconditional ? '' : augmentCaption(preserve ? withoutTrigger(image.caption!, this.config.trigger) : image.caption!, this.config, this.rng);
      x0s.push((await this.cache.image(image, bucket, this.config.resolution, flip)).data);
      // References are clean (no noise) and flipped with their image, so an edit pair stays aligned.
      for (const picture of this.examples[e]!.references) refs.push((await this.cache.image(picture, bucket, this.config.resolution, flip)).data);
      if (this.masked()) {
        const multiple = this.prepared.model.encoders.sizeMultiple;
        // A preserved row keeps the base model everywhere, so its mask does not apply.
        const masked = preserve ? { ...image, mask: null } : image;
        weights.push(normaliseRow(await maskTokenWeights(masked, bucket, multiple, flip, this.config.unmaskedWeight ?? 0)));
      }
      const text = await this.text(caption);
      textTokens = text.shape[0]!;
      texts.push(text.data);
    }
    const B = entries.length;
    const { family, encoders } = this.prepared.model;
    const t = Array.from({ length: B }, () => family.objective.sampleTimestep(this.rng, this.config.timesteps));
    const x0 = joinArrays(x0s);
    const noise = this.rng.fillNormal(new Float32Array(x0.length)) as Float32Array;
    const { xt, target } = family.objective.trainingPair(x0, noise, t);
    const grid = { h: bucket.height / encoders.sizeMultiple, w: bucket.width / encoders.sizeMultiple };
    const N = grid.h * grid.w;
    const referenceRows = references
      ? { tokens: references * N, image: joinArrays(refs), positions: repeatArray(family.referencePositions(new Array(references).fill({ height: grid.h, width: grid.w })), B) }
      : undefined;
    const feeds: Record<string, HostTensor> = {
      ...family.denoiserFeeds({
        rows: B, imageTokens: N, textTokens, image: xt, timesteps: t, text: joinArrays(texts),
        imagePositions: repeatArray(family.imagePositions(grid.h, grid.w), B), textPositions: repeatArray(family.textPositions(textTokens), B),
        guidance: this.config.guidance, references: referenceRows,
      }, STEP_INPUTS),
      target: hostTensor('float32', [B, N, family.tokens.outChannels], target),
    };
    if (this.masked()) feeds[LOSS_WEIGHT_INPUT] = hostTensor('float32', [B, N, 1], joinArrays(weights));
    if (stepPredictsBase(this.config)) feeds[PRESERVE_INPUT] = hostTensor('bool', [B, 1, 1], Array.from({ length: B }, (_, r) => (preserved.includes(r) ? 1 : 0)));
    else if (preserved.length) await this.preserveOutputs(feeds, preserved, grid, textTokens, referenceRows);
    return { feeds, bucket, references, preserved };
  }

  /**
   * Output preservation in full fine-tuning: the rows trained with the trigger taken out of their caption get the
   * base model's own prediction for the same noisy image as their target, replacing the objective's in
   * `feeds.target` (LoRA runs predict it inside the step graph; see stepPredictsBase).
   */
  private async preserveOutputs(
    feeds: Record<string, HostTensor>, rows: number[], grid: { h: number; w: number }, T: number,
    references: { tokens: number; image: Float32Array; positions: Float32Array } | undefined,
  ): Promise<void> {
    const withReferences = references !== undefined;
    let prediction = this.basePredictions.get(withReferences);
    if (!prediction) {
      prediction = BasePrediction.create(this.prepared.model, this.options.threads, withReferences);
      this.basePredictions.set(withReferences, prediction);
    }
    const { family } = this.prepared.model;
    const c = family.tokens;
    const N = grid.h * grid.w;
    // The preserved rows of each batch input, in row order; every row has the same position ids.
    const rowsOf = (data: Float32Array, width: number) => joinArrays(rows.map((r) => data.subarray(r * width, (r + 1) * width)));
    const pick = (name: string, width: number) => rowsOf(feeds[name]!.data as Float32Array, width);
    const velocity = await (await prediction).velocity({
      rows: rows.length, imageTokens: N, textTokens: T,
      xt: pick(STEP_INPUTS.image, N * c.inChannels), t: pick(STEP_INPUTS.timestep, 1), txt: pick(STEP_INPUTS.text, T * c.contextDim),
      imgIds: repeatArray(family.imagePositions(grid.h, grid.w), rows.length), txtIds: repeatArray(family.textPositions(T), rows.length),
      guidance: this.config.guidance,
      ...(references ? {
        references: {
          tokens: references.tokens, image: rowsOf(references.image, references.tokens * c.inChannels), positions: rowsOf(references.positions, references.tokens * 4),
        },
      } : {}),
    });
    const target = feeds.target!.data as Float32Array;
    const width = N * c.outChannels;
    rows.forEach((r, k) => target.set(velocity.subarray(k * width, (k + 1) * width), r * width));
  }

  private async trainOneStep(): Promise<void> {
    const t0 = performance.now();
    const lr = learningRateAt(this.state.step, {
      scheduler: this.config.scheduler, lr: this.config.lr, totalSteps: this.config.steps, warmupSteps: this.config.warmupSteps, cycles: this.config.cycles,
    });
    const hyper = { lr, beta1: this.config.beta1, beta2: this.config.beta2 };
    let loss: number;
    let gradNorm: number;
    const concept = new ConceptLoss();
    if (this.config.gradAccum === 1) {
      const { feeds, bucket, references, preserved } = await this.microBatch();
      const c = await this.compiledFor(bucket, references);
      const r = await runTrainStep(c.step, c.stepIo, this.state, feeds, hyper);
      loss = r.loss;
      gradNorm = r.gradNorm;
      concept.add(r.rowLoss, preserved);
    } else {
      let acc: Float32Array = new Float32Array(this.state.layout.total);
      let sum = 0;
      let last: CompiledBucket | undefined;
      for (let k = 0; k < this.config.gradAccum; k++) {
        const { feeds, bucket, references, preserved } = await this.microBatch();
        last = await this.compiledFor(bucket, references);
        const r = await runAccumulateStep(last.step, last.stepIo, this.state.params, acc, feeds);
        acc = r.gradAcc;
        sum += r.loss;
        concept.add(r.rowLoss, preserved);
      }
      const r = await runApplyUpdate(last!.apply!, last!.applyIo!, this.state, acc, 1 / this.config.gradAccum, hyper);
      loss = sum / this.config.gradAccum;
      gradNorm = r.gradNorm;
    }
    const step = this.state.step;
    const { smoothed, event } = this.monitor.observe(step, loss, concept.mean(loss));
    this.lastLoss = loss;
    const stepMs = performance.now() - t0;
    const metrics = {
      step, totalSteps: this.config.steps, loss, smoothedLoss: smoothed, lr, gradNorm, stepMs,
      samplesPerSecond: (this.config.batchSize * this.config.gradAccum * 1000) / stepMs,
      memoryMb: Math.round(process.memoryUsage().rss / 1048576), epoch: this.position.epoch,
    };
    // Timings vary between runs; the log keeps only what a resumed run must reproduce exactly.
    this.log.append({ step, loss, smoothedLoss: smoothed, lr, gradNorm });
    this.emit({ type: 'step', ...metrics });
    if (event) {
      const message = event.kind === 'plateau'
        ? `The loss has not improved for ${event.windows} windows (mean ${event.windowMean.toPrecision(3)}, best ${event.best.toPrecision(3)}). The guide suggests stopping early on a plateau; compare the checkpoints so far.`
        : `The loss is rising (window mean ${event.windowMean.toPrecision(3)} vs best ${event.best.toPrecision(3)}). Consider stopping and using an earlier checkpoint, or a lower learning rate.`;
      this.log.append({ step, event: event.kind, windowMean: event.windowMean, best: event.best });
      this.emit({ type: 'loss-alert', kind: event.kind, step, windowMean: event.windowMean, best: event.best, message });
    }
  }

  private saveCheckpoint(): string {
    const path = join(this.paths.checkpoints, checkpointFileName(this.state.step));
    writeCheckpoint(path, {
      step: this.state.step,
      layout: this.state.layout.entries.map((e) => ({ name: e.name, shape: [...e.shape] })),
      params: this.state.params, m: this.state.m, v: this.state.v,
      rng: this.rng.state(), data: this.position, monitor: this.monitor.state(), config: this.config, baseModel: this.prepared.model.id,
      ...(this.ema ? { ema: this.ema } : {}),
    });
    this.lastCheckpoint = path;
    this.emit({ type: 'checkpoint-saved', step: this.state.step, path });
    return path;
  }

  /** Applies pending requests; waits while paused. Returns true when the run should stop. */
  private async handleRequests(finalPass = false): Promise<boolean> {
    let paused = false;
    for (;;) {
      if (this.saveRequested) {
        this.saveRequested = false;
        if (this.lastCheckpoint !== join(this.paths.checkpoints, checkpointFileName(this.state.step))) this.saveCheckpoint();
      }
      if (this.sampleRequests.length) await this.writeSamples(this.sampleRequests.splice(0), true);
      if (finalPass) return false;
      if (this.stopRequested) {
        // Stopping keeps the progress: a checkpoint at the current step, unless one exists already.
        const current = join(this.paths.checkpoints, checkpointFileName(this.state.step));
        const checkpoint = this.state.step > 0 ? (this.lastCheckpoint === current ? current : this.saveCheckpoint()) : null;
        this.emit({ type: 'stopped', step: this.state.step, checkpoint });
        return true;
      }
      if (!this.pauseRequested) {
        if (paused) this.emit({ type: 'resumed', step: this.state.step });
        return false;
      }
      if (!paused) this.emit({ type: 'paused', step: this.state.step });
      paused = true;
      // Any request (resume, stop, save, sample) wakes the loop; requests that arrive together are all seen.
      await new Promise<void>((resolve) => { this.wake = resolve; });
      this.wake = undefined;
    }
  }

  /** Every sample prompt × every seed, named by prompt number so files of one prompt line up across steps. */
  private scheduledSamples(): SampleRequest[] {
    return this.config.samplePrompts.flatMap((prompt, i) => this.config.sampleSeeds.map((seed) => ({ prompt, seed, label: `prompt${i}` })));
  }

  /** Samples and prior pictures are square: the model's own size, or the square bucket of the resolution. */
  private sampleBucket(): Bucket {
    const model = this.prepared.model;
    return model.encoders.fixedBuckets?.[0] ?? pickBucket(1, 1, makeBuckets(this.config.resolution, model.encoders.sizeMultiple));
  }

  /**
   * The sampler of a bucket; with `references`, one whose pictures read them (an edit LoRA's samples), keyed apart
   * from the plain one (prior pictures are text to image).
   */
  private samplerFor(bucket: Bucket, references: readonly ReferenceTokens[] = []): TrainingSampler {
    const key = bucketWithReferences(bucket, references.length);
    let sampler = this.samplers.get(key);
    if (!sampler) {
      sampler = new TrainingSampler(this.prepared.model, this.config, bucket, this.options.threads, references);
      this.samplers.set(key, sampler);
    }
    return sampler;
  }

  /**
   * An edit LoRA's samples read the references of the first dataset image that has any (its "before" picture), at
   * the sample size, so the samples show the edit the LoRA learns; a run without references samples text to image.
   */
  private sampleReferences(): Promise<ReferenceTokens[]> {
    this.sampleRefs ??= this.encodeSampleReferences(this.sampleBucket());
    return this.sampleRefs;
  }

  private async encodeSampleReferences(bucket: Bucket): Promise<ReferenceTokens[]> {
    const first = this.prepared.dataset.images.find((i) => (i.references?.length ?? 0) > 0);
    if (!first) return [];
    const multiple = this.prepared.model.encoders.sizeMultiple;
    const out: ReferenceTokens[] = [];
    for (const picture of await referencePictures(first)) {
      const encoded = await this.cache.image(picture, bucket, this.config.resolution, false);
      out.push({ tokens: encoded.data, gridHeight: bucket.height / multiple, gridWidth: bucket.width / multiple });
    }
    return out;
  }

  private async writeSamples(requests: SampleRequest[], requested: boolean): Promise<void> {
    const bucket = this.sampleBucket();
    const sampler = this.samplerFor(bucket, await this.sampleReferences());
    for (const r of requests) {
      const image = await sampler.render(this.state.layout, this.state.params, await this.text(r.prompt), await this.text(''), r.seed);
      const name = `step-${String(this.state.step).padStart(6, '0')}-${r.label}-seed${r.seed}.png`;
      const path = join(this.paths.samples, name);
      await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(path);
      this.emit({ type: 'sample-written', step: this.state.step, prompt: r.prompt, seed: r.seed, path, requested });
    }
    // Kept open, the sampler's session and the arena onnxruntime keeps for it stay resident through the training
    // steps (bench:memory: a second session over the same weights holds 1.4 GiB beside its 3.0 GiB bf16 step);
    // compiling it again costs about a second now that the weights are mapped from their file, not converted.
    await sampler.close();
  }

  /** lora.safetensors (kohya names + alpha, read by ComfyUI and our converter), or the whole network in full mode. */
  private exportResult(model: BaseModel): string {
    const values = new Map(this.state.layout.entries.map((e) => [e.name, this.state.params.subarray(e.offset, e.offset + e.size)]));
    if (this.config.mode === 'full') {
      const path = join(this.runDir, 'transformer.safetensors');
      writeCheckpoint(path, {
        step: this.state.step, layout: this.state.layout.entries.map((e) => ({ name: e.name, shape: [...e.shape] })),
        params: this.state.params, m: this.state.m, v: this.state.v, rng: this.rng.state(), data: this.position,
        monitor: this.monitor.state(), config: this.config, baseModel: model.id,
      });
      return path;
    }
    const targets = model.family.loraTargets(this.config.targets as LoraTargets);
    const { layers } = adapterFromValues(this.config.adapter ?? 'lora', targets, adapterSettings(this.config), (name) => Float32Array.from(values.get(name)!));
    const references = mostReferences(this.prepared.dataset);
    const metadata = {
      ...model.family.lora.metadata({
        baseModel: model.name, triggerWord: this.config.trigger, steps: this.state.step, resolution: [this.config.resolution, this.config.resolution],
        learningRate: this.config.lr, seed: this.config.seed, trainingConfig: this.config,
      }),
      // An edit LoRA expects this many reference images beside the prompt (see export-lora.ts).
      ...(references > 0 ? { 'lora_studio.reference_images': String(references) } : {}),
    };
    model.family.lora.save(this.paths.lora, { layers, metadata }, 'kohya');
    return this.paths.lora;
  }
}

/** A bucket and a reference count as one key (step graphs, samplers, batching); without references, the bucket's own. */
function bucketWithReferences(bucket: Bucket, references: number): string {
  return bucketKey(bucket) + (references ? `+${references}ref` : '');
}
