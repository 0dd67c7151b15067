// One loaded base model that renders images with or without a LoRA. Its family's sampler takes the LoRA tensors
// and scale as graph inputs, so a single compiled session serves every checkpoint, every scale and the
// "no LoRA" base column of a grid; it stays loaded between cells and between calls.
import { InvalidInputError } from '@lora-studio/api';
import type { Adapter, ImageSampler } from '@lora-studio/models';
import { loadBaseModel, resolveBaseDir, type BaseModel, type EncodedTensor, type RgbImage } from '@lora-studio/trainer';
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
}

export class ImageRenderer {
  private readonly samplers = new Map<string, Promise<ImageSampler>>();
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
    const sampler = await this.samplerFor(lora ? lora.layers.map((l) => l.path) : this.anyLoadedSlots());
    const [text, negative] = await Promise.all([this.encode(req.prompt), this.encode(req.negativePrompt ?? '')]);
    const tokens = await sampler.sample({
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
    for (const s of this.samplers.values()) await (await s.catch(() => undefined))?.release();
    this.samplers.clear();
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
  private anyLoadedSlots(): string[] {
    const first = this.samplers.keys().next();
    return first.done || first.value === '' ? [] : first.value.split('\n');
  }

  private samplerFor(layers: readonly string[]): Promise<ImageSampler> {
    const key = [...layers].sort().join('\n');
    const covering = [...this.samplers.keys()].find((k) => layers.every((l) => k.split('\n').includes(l)));
    if (covering !== undefined) return this.samplers.get(covering)!;
    const created = this.model.family.createSampler({
      weights: this.model.weights,
      loraLayers: [...layers].sort(),
      session: { providers: ['cpu'], threads: this.threads },
    });
    this.samplers.set(key, created);
    return created;
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
