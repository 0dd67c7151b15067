// One loaded base model that renders images with or without a LoRA. Its family's sampler takes the LoRA tensors
// and scale as graph inputs, so a single compiled session serves every checkpoint, every scale and the
// "no LoRA" base column of a grid; it stays loaded between cells and between calls.
import { InvalidInputError, MAX_REFERENCE_IMAGES, tooManyReferences } from '@lora-studio/api';
import type { Adapter, ImageSampler, ReferenceTokens } from '@lora-studio/models';
import { loadBaseModel, loadTrainingImage, resolveBaseDir, type BaseModel, type EncodedTensor, type RgbImage } from '@lora-studio/trainer';
import { DEFAULT_GENERATE_STEPS } from './generate';

export interface RenderRequest {
  prompt: string;
  /** Classifier-free guidance runs against this prompt; default "" (the unconditional prediction). */
  negativePrompt?: string;
  seed: number;
  steps: number;
  guidance: number;
  width: number;
  height: number;
  /** null or absent: the base model alone. */
  lora?: Adapter | null;
  scale?: number;
  /** Edit LoRAs: the reference images, encoded for this request's size by `encodeReferences`. */
  references?: EncodedReferences;
}

/**
 * Reference pictures as the model's clean tokens for one output size. A grid or a Generate batch encodes its
 * references once and feeds the same tokens to every image; the next call reads the files again (they may change).
 */
export interface EncodedReferences {
  width: number;
  height: number;
  images: readonly ReferenceTokens[];
}

export class ImageRenderer {
  private readonly samplers = new Map<string, Promise<ImageSampler>>();
  /** Samplers whose graph takes reference images (a separate graph: plain images keep theirs unchanged). */
  private readonly referenceSamplers = new Map<string, Promise<ImageSampler>>();
  private readonly texts = new Map<string, Promise<EncodedTensor>>();

  private constructor(readonly model: BaseModel, readonly baseDir: string, private readonly threads: number | undefined) {}

  /** `base` is 'default' (the embedded model) or a model folder. */
  static async open(base: string, options: { threads?: number } = {}): Promise<ImageRenderer> {
    const dir = resolveBaseDir(base);
    const model = await loadBaseModel(dir, { threads: options.threads });
    return new ImageRenderer(model, dir, options.threads);
  }

  /** The image size the model makes when the user does not ask for another. */
  get defaultSize(): { width: number; height: number } {
    const fixed = this.model.encoders.fixedBuckets?.[0];
    const side = this.model.profile.nativeResolution;
    return fixed ?? { width: side, height: side };
  }

  /** Denoising steps by default: the model's own (4 for a step-distilled klein), else DEFAULT_GENERATE_STEPS. */
  get defaultSteps(): number {
    return this.model.profile.sampleSteps ?? DEFAULT_GENERATE_STEPS;
  }

  /** The guidance a sample gets by default: the model's own preference. */
  get defaultGuidance(): number {
    return this.model.profile.sampleGuidance ?? 4;
  }

  /** Compiles the session with LoRA slots for these layers now, so the first cell does not pay for it. */
  async prepare(loraLayers: readonly string[]): Promise<void> {
    await this.samplerFor(loraLayers);
  }

  async render(req: RenderRequest): Promise<RgbImage> {
    this.checkSize(req.width, req.height);
    const lora = req.lora ?? null;
    const references = req.references?.images ?? [];
    if (req.references && (req.references.width !== req.width || req.references.height !== req.height)) {
      throw new Error(`The reference images were encoded for ${req.references.width}×${req.references.height}, not ${req.width}×${req.height}.`);
    }
    const samplers = references.length ? this.referenceSamplers : this.samplers;
    const sampler = await this.samplerFor(lora ? lora.layers.map((l) => l.path) : this.anyLoadedSlots(samplers), samplers);
    const [text, negative] = await Promise.all([this.encode(req.prompt), this.encode(req.negativePrompt ?? '')]);
    const tokens = await sampler.sample({
      ...(references.length ? { references } : {}),
      gridHeight: req.height / this.model.encoders.sizeMultiple,
      gridWidth: req.width / this.model.encoders.sizeMultiple,
      text: text.data,
      negativeText: negative.data,
      steps: req.steps,
      guidance: req.guidance,
      seed: req.seed,
      lora,
      loraScale: req.scale ?? 1,
    });
    return this.model.decodeImage(tokens, req.width, req.height);
  }

  async close(): Promise<void> {
    for (const s of [...this.samplers.values(), ...this.referenceSamplers.values()]) await (await s.catch(() => undefined))?.release();
    this.samplers.clear();
    this.referenceSamplers.clear();
    await this.model.close();
  }

  private checkSize(width: number, height: number): void {
    const m = this.model.encoders.sizeMultiple;
    if (width % m !== 0 || height % m !== 0) throw new InvalidInputError(`Image sizes must be multiples of ${m} for ${this.model.name}; ${width}×${height} is not.`);
    const fixed = this.model.encoders.fixedBuckets;
    if (fixed && !fixed.some((b) => b.width === width && b.height === height)) {
      throw new InvalidInputError(`${this.model.name} makes ${fixed.map((b) => `${b.width}×${b.height}`).join(' or ')} images only, not ${width}×${height}.`);
    }
  }

  /** A base-model image reuses a session that already has LoRA slots (fed zeros) rather than compiling another. */
  private anyLoadedSlots(samplers: Map<string, Promise<ImageSampler>>): string[] {
    const first = samplers.keys().next();
    return first.done || first.value === '' ? [] : first.value.split('\n');
  }

  private samplerFor(layers: readonly string[], samplers = this.samplers): Promise<ImageSampler> {
    const key = [...layers].sort().join('\n');
    const covering = [...samplers.keys()].find((k) => layers.every((l) => k.split('\n').includes(l)));
    if (covering !== undefined) return samplers.get(covering)!;
    const created = this.model.family.createSampler({
      weights: this.model.weights,
      loraLayers: [...layers].sort(),
      session: { providers: ['cpu'], threads: this.threads },
      references: samplers === this.referenceSamplers,
    });
    samplers.set(key, created);
    return created;
  }

  /**
   * Picture files the model reads as FLUX.2 reference images, in order (at most three). Each is fitted to the output
   * size exactly as training fits a reference to its image's bucket (cover, centred).
   */
  async encodeReferences(files: readonly string[], width: number, height: number): Promise<EncodedReferences> {
    if (files.length > MAX_REFERENCE_IMAGES) throw new InvalidInputError(tooManyReferences(files.length));
    this.checkSize(width, height);
    const m = this.model.encoders.sizeMultiple;
    const out: ReferenceTokens[] = [];
    for (const path of files) {
      let pixels: RgbImage;
      try {
        pixels = await loadTrainingImage({ name: path, path, contentHash: '', caption: null, crop: null, repeats: 1 }, { width, height }, false);
      } catch (err) {
        throw new InvalidInputError(`The reference image ${path} could not be read (${(err as Error).message}). Use a PNG, JPEG or WebP picture.`);
      }
      out.push({ tokens: (await this.model.encoders.encodeImage(pixels)).data, gridHeight: height / m, gridWidth: width / m });
    }
    return { width, height, images: out };
  }

  private encode(prompt: string): Promise<EncodedTensor> {
    let t = this.texts.get(prompt);
    if (!t) {
      t = this.model.encoders.encodeText(prompt);
      this.texts.set(prompt, t);
    }
    return t;
  }
}
