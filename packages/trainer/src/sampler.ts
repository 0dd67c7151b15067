// Sample images during training with the base model family's sampler: fixed prompt + seed → the same
// noise at every checkpoint, so samples of one prompt are comparable across steps. In LoRA mode one compiled
// sampler serves every step (the LoRA tensors are inputs); in full mode the changed weights need a new one.
import type { PackLayout } from '@lora-studio/onnx';
import { adapterFromValues, type GraphWeights, type ImageSampler, type LoraTargets, type ReferenceTokens } from '@lora-studio/models';
import type { BaseModel } from './base-model/base-model';
import { adapterSettings, type TrainingConfig } from './config';
import type { Bucket } from './data/buckets';
import type { EncodedTensor } from './data/encoders';
import type { RgbImage } from './data/images';

export class TrainingSampler {
  private lora: Promise<ImageSampler> | undefined;
  /** The base weights alone, for prior pictures in full mode (LoRA mode renders the base with the LoRA sampler). */
  private base: Promise<ImageSampler> | undefined;

  constructor(
    private readonly model: BaseModel,
    private readonly config: TrainingConfig,
    private readonly bucket: Bucket,
    private readonly threads: number | undefined,
    /** Edit LoRAs: the reference images every picture of this sampler reads (none: text to image). */
    private readonly references: readonly ReferenceTokens[] = [],
  ) {}

  private create(weights: GraphWeights, loraLayers: string[]): Promise<ImageSampler> {
    return this.model.family.createSampler({
      weights,
      loraLayers,
      session: { threads: this.threads },
      references: this.references.length > 0,
    });
  }

  private request(context: EncodedTensor, unconditional: EncodedTensor, seed: number) {
    return {
      gridHeight: this.bucket.height / this.model.encoders.sizeMultiple,
      gridWidth: this.bucket.width / this.model.encoders.sizeMultiple,
      text: context.data,
      negativeText: unconditional.data,
      steps: this.config.sampleSteps,
      guidance: this.config.sampleGuidance,
      seed,
      ...(this.references.length ? { references: this.references } : {}),
    };
  }

  private loraSampler(): Promise<ImageSampler> {
    const targets = this.model.family.loraTargets(this.config.targets as LoraTargets);
    this.lora ??= this.create(this.model.weights, targets.map((l) => l.path));
    return this.lora;
  }

  /** Renders one image with the base model alone (no LoRA, whatever has been trained). */
  async renderBase(context: EncodedTensor, unconditional: EncodedTensor, seed: number): Promise<RgbImage> {
    const request = this.request(context, unconditional, seed);
    let tokens: Float32Array;
    if (this.config.mode === 'full') {
      this.base ??= this.create(this.model.weights, []);
      tokens = await (await this.base).sample(request);
    } else {
      tokens = await (await this.loraSampler()).sample({ ...request, lora: null });
    }
    return this.model.decodeImage(tokens, this.bucket.width, this.bucket.height);
  }

  /** Renders one image with the trained tensors `params` (laid out as `layout`). */
  async render(layout: PackLayout, params: Float32Array, context: EncodedTensor, unconditional: EncodedTensor, seed: number): Promise<RgbImage> {
    const slice = (name: string) => {
      const e = layout.entries.find((x) => x.name === name)!;
      return { shape: [...e.shape], data: params.slice(e.offset, e.offset + e.size) };
    };
    const request = this.request(context, unconditional, seed);
    let tokens: Float32Array;
    if (this.config.mode === 'full') {
      const weights = Object.fromEntries(layout.entries.map((e) => [e.name, slice(e.name)]));
      const sampler = await this.create({ kind: 'dense', weights }, []);
      try {
        tokens = await sampler.sample(request);
      } finally {
        await sampler.release();
      }
    } else {
      const targets = this.model.family.loraTargets(this.config.targets as LoraTargets);
      const adapter = adapterFromValues(this.config.adapter ?? 'lora', targets, adapterSettings(this.config), (name) => slice(name).data);
      tokens = await (await this.loraSampler()).sample({ ...request, lora: adapter, loraScale: 1 });
    }
    return this.model.decodeImage(tokens, this.bucket.width, this.bucket.height);
  }

  /** Releases the sessions (and the memory onnxruntime keeps for them); the next render compiles them again. */
  async close(): Promise<void> {
    const sessions = [this.lora, this.base];
    this.lora = undefined;
    this.base = undefined;
    for (const s of sessions) if (s) await (await s).release();
  }
}
