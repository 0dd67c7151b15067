// A real FLUX.2 model opened for use: the prompt tokenizer, and the text encoder and VAE halves as engine sessions
// built from the downloaded safetensors. Sessions are made when first needed and can be released any time
// (`releaseEncoders`): a run encodes its captions and images first, frees them, then trains — peak memory is the
// largest stage, not the sum. A later call builds the session again.
import { createHash } from 'node:crypto';
import { Graph, createSession, hostTensor, serializeGraph, type EngineSession, type ProviderName } from '@lora-studio/onnx';
import type { RgbImage } from '../default-model/pixels';
import { latentToTokens, tokensToLatent, type Latent, type LatentStats } from './latent-tokens';
import { describeOpenModel, openFlux2ModelFiles, Flux2ModelError, type Flux2ModelDescription, type Flux2ModelFiles } from './model-files';
import { Flux2PromptTokenizer, TokenizerFilesError, type Flux2TokenizedPrompt } from './prompt-tokenizer';
import { contextWidth } from './text-encoder-config';
import { addTextEncoderInputs, attentionBias, buildFlux2TextEncoder } from './text-encoder-graph';
import { readStored32, storeFolder } from './tensor-store';
import { imageSizeMultiple, vaeDownscale } from './vae-config';
import { buildVaeDecoder, buildVaeEncoder } from './vae-graph';

export interface Flux2ModelOptions {
  /** Text tokens per prompt (512 in the FLUX.2 pipelines). */
  maxTokens?: number;
  threads?: number;
  providers?: readonly ProviderName[];
}

export interface EncodedPrompt extends Flux2TokenizedPrompt {
  /** [maxTokens, contextDim], row-major. */
  context: Float32Array;
  contextDim: number;
}

export class Flux2Model {
  private textSession?: Promise<EngineSession>;
  private readonly encoderSessions = new Map<string, Promise<EngineSession>>();
  private readonly decoderSessions = new Map<string, Promise<EngineSession>>();
  readonly description: Flux2ModelDescription;
  readonly stats: LatentStats;

  private constructor(readonly files: Flux2ModelFiles, readonly tokenizer: Flux2PromptTokenizer, private readonly options: Flux2ModelOptions) {
    this.description = describeOpenModel(files);
    const v = files.vae;
    this.stats = { mean: readStored32(v.mean), variance: readStored32(v.variance), eps: v.config.batchNormEps };
  }

  /** Opens and checks everything (all problems at once, as Flux2ModelError) before any session exists. */
  static open(path: string, options: Flux2ModelOptions = {}): Flux2Model {
    const files = openFlux2ModelFiles(path);
    try {
      let tokenizer: Flux2PromptTokenizer;
      try {
        tokenizer = Flux2PromptTokenizer.open(files.paths.tokenizer, files.textEncoder.config.family, options.maxTokens ?? 512);
      } catch (e) {
        throw new Flux2ModelError(files.paths.source, e instanceof TokenizerFilesError ? e.problems : [(e as Error).message]);
      }
      const stats = files.vae.mean;
      if (readStored32(files.vae.variance).some((v) => !(v >= 0))) throw new Flux2ModelError(files.paths.source, [`the VAE's bn.running_var in ${stats.file.path} has negative or non-finite values.`]);
      return new Flux2Model(files, tokenizer, options);
    } catch (error) {
      files.close();
      throw error;
    }
  }

  get name(): string {
    return this.files.paths.name;
  }

  get contextDim(): number {
    return contextWidth(this.files.textEncoder.config);
  }

  /** Image sides must be multiples of this (VAE downscale × the 2×2 patch). */
  get sizeMultiple(): number {
    return imageSizeMultiple(this.files.vae.config);
  }

  get latentChannels(): number {
    return this.files.vae.config.latentChannels;
  }

  /** Fingerprint of the encoder files and settings: encodings cached under it survive another transformer. */
  get encodersId(): string {
    const h = createHash('sha256');
    for (const s of [this.files.textEncoder.store, this.files.vae.store]) for (const f of s.files) h.update(`${f.path}\u0000${f.fileSize}\u0000${f.dataStart}\u0000`);
    h.update(`${this.tokenizer.maxTokens}|${this.tokenizer.format('')}`);
    return h.digest('hex').slice(0, 16);
  }

  async encodeText(prompt: string): Promise<EncodedPrompt> {
    const t = this.tokenizer.tokenize(prompt);
    const L = t.ids.length;
    const session = await (this.textSession ??= this.buildText(L));
    const { outputs } = await session.run({
      input_ids: hostTensor('int64', [1, L], t.ids),
      attention_bias: hostTensor('float32', [1, 1, L, L], attentionBias(t.mask)),
    });
    return { ...t, context: outputs.context!.data as Float32Array, contextDim: this.contextDim };
  }

  /** The VAE encoder's mean for 8-bit RGB, pixels mapped to [-1, 1]: [latent, H/8, W/8]. */
  async encodeLatent(image: RgbImage): Promise<Latent> {
    this.checkSize(image.width, image.height, vaeDownscale(this.files.vae.config));
    const key = `${image.width}x${image.height}`;
    let s = this.encoderSessions.get(key);
    if (!s) this.encoderSessions.set(key, (s = this.buildVae('encoder', image.width, image.height)));
    const { outputs } = await (await s).run({ image: hostTensor('float32', [1, 3, image.height, image.width], toPlanar(image)) });
    const f = vaeDownscale(this.files.vae.config);
    return { channels: this.latentChannels, height: image.height / f, width: image.width / f, data: outputs.latent!.data as Float32Array };
  }

  /** Normalised 2×2-patchified tokens [(H/16)·(W/16), 4·latent], row-major token order: what the transformer sees. */
  async encodeImage(image: RgbImage): Promise<Float32Array> {
    this.checkSize(image.width, image.height, this.sizeMultiple);
    return latentToTokens(await this.encodeLatent(image), this.stats);
  }

  /** A latent [latent, h, w] to 8-bit RGB (values clamped to [-1, 1], rounded). */
  async decodeLatent(latent: Latent): Promise<RgbImage> {
    const key = `${latent.width}x${latent.height}`;
    let s = this.decoderSessions.get(key);
    if (!s) this.decoderSessions.set(key, (s = this.buildVae('decoder', latent.width, latent.height)));
    const { outputs } = await (await s).run({ latent: hostTensor('float32', [1, latent.channels, latent.height, latent.width], latent.data) });
    const f = vaeDownscale(this.files.vae.config);
    return fromPlanar(outputs.image!.data as Float32Array, latent.width * f, latent.height * f);
  }

  async decodeImage(tokens: Float32Array, width: number, height: number): Promise<RgbImage> {
    this.checkSize(width, height, this.sizeMultiple);
    return this.decodeLatent(tokensToLatent(tokens, { height: height / this.sizeMultiple, width: width / this.sizeMultiple }, this.stats));
  }

  /** Frees the text encoder and VAE encoder sessions (their memory); they are rebuilt if needed again. */
  async releaseEncoders(): Promise<void> {
    const all = [this.textSession, ...this.encoderSessions.values()];
    this.textSession = undefined;
    this.encoderSessions.clear();
    for (const s of all) await (await s?.catch(() => undefined))?.release();
  }

  async close(): Promise<void> {
    await this.releaseEncoders();
    for (const s of this.decoderSessions.values()) await (await s.catch(() => undefined))?.release();
    this.decoderSessions.clear();
    this.files.close();
  }

  private sessionOptions(folder: string) {
    return { externalDataFolder: folder, threads: this.options.threads, providers: this.options.providers ?? (['cuda', 'cpu'] as const) };
  }

  private async buildText(length: number): Promise<EngineSession> {
    const te = this.files.textEncoder;
    const g = new Graph('flux2_text_encoder');
    const out = buildFlux2TextEncoder(g, addTextEncoderInputs(g, length, 'float32'), te.config, te.weight, 'float32');
    g.output(out, 'context');
    const folder = storeFolder(te.store);
    return createSession(serializeGraph(g, { externalDataFolder: folder }), this.sessionOptions(folder));
  }

  private async buildVae(half: 'encoder' | 'decoder', width: number, height: number): Promise<EngineSession> {
    const v = this.files.vae;
    const g = new Graph(`flux2_vae_${half}`);
    if (half === 'encoder') g.output(buildVaeEncoder(g, v.config, v.weight, 'float32', { width, height }), 'latent');
    else g.output(buildVaeDecoder(g, v.config, v.weight, 'float32', { width, height }), 'image');
    const folder = storeFolder(v.store);
    return createSession(serializeGraph(g, { externalDataFolder: folder }), this.sessionOptions(folder));
  }

  private checkSize(width: number, height: number, multiple: number): void {
    if (width % multiple || height % multiple || width <= 0 || height <= 0) {
      throw new Error(`A ${width}×${height} image does not fit ${this.name}: sides must be multiples of ${multiple}.`);
    }
  }
}

/** 8-bit RGB (interleaved) → [3, H, W] floats in [-1, 1]. */
export function toPlanar(img: RgbImage): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) out[c * n + p] = img.data[p * 3 + c]! / 127.5 - 1;
  return out;
}

/** [3, H, W] in [-1, 1] → 8-bit RGB, clamped and rounded. */
export function fromPlanar(planes: Float32Array, width: number, height: number): RgbImage {
  const n = width * height;
  const data = new Uint8Array(3 * n);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.round((Math.min(1, Math.max(-1, planes[c * n + p]!)) + 1) * 127.5);
  return { width, height, data };
}
