// The encoders of a real FLUX.2 model folder, run through onnxruntime (CUDA → CPU):
// image → VAE encoder mean → 2×2 patchify → BatchNorm normalisation → tokens [N, 4·latent];
// tokens → the exact inverse → VAE decoder → image; caption → chat template → ids → text encoder → context [L, contextDim].
import { createSession, hostTensor, type EngineSession, type HostTensor, type ProviderName } from '@lora-studio/onnx';
import type { RgbImage } from '../default-model/pixels';
import { latentToTokens, tokensToLatent } from './latent-tokens';
import type { OnnxModelFolder } from './model-folder';
import { OnnxModelFolderError } from './model-folder';
import { fixedDim, sessionInputs, sessionOutputs, valueProblems, type ValueInfo } from './onnx-signature';
import { PromptTokenizer } from './prompt-tokenizer';

export interface TextContext {
  /** [tokens, contextDim], row-major. */
  context: Float32Array;
  shape: [number, number];
  /** The prompt was longer than the text encoder's sequence and was cut. */
  truncated: boolean;
}

export interface Flux2Encoders {
  /** Tokens per side: images must have sides that are multiples of this (VAE downscale × 2). */
  sizeMultiple: number;
  latentChannels: number;
  textTokens: number;
  contextDim: number;
  /** The provider each session runs on, with the reason for any fallback. */
  providers: { textEncoder: ProviderName; vaeEncoder: ProviderName; vaeDecoder: ProviderName; fallbacks: string[] };
  /** 8-bit RGB → normalised image tokens [(H/16)·(W/16), 4·latent]. */
  encodeImage(image: RgbImage): Promise<Float32Array>;
  /** The inverse of encodeImage (up to the VAE's own loss). */
  decodeImage(tokens: Float32Array, width: number, height: number): Promise<RgbImage>;
  encodeText(prompt: string): Promise<TextContext>;
  close(): Promise<void>;
}

export interface EncoderOptions {
  /** The transformer's context width (txt_in's input) and image token channels (img_in's input). */
  contextDim: number;
  tokenChannels: number;
  threads?: number;
  providers?: readonly ProviderName[];
}

export async function openFlux2Encoders(folder: OnnxModelFolder, options: EncoderOptions): Promise<Flux2Encoders> {
  const { files, text, downscale, stats } = folder;
  const problems: string[] = [];
  if (options.tokenChannels % 4) problems.push(`the transformer takes ${options.tokenChannels}-channel image tokens, which is not 4 × latent channels.`);
  if (stats.mean.length !== options.tokenChannels) {
    problems.push(`${files.vaeStats} has ${stats.mean.length} running_mean values, but the transformer's image tokens have ${options.tokenChannels} channels (4 × ${options.tokenChannels / 4} latent channels).`);
  }
  const C = options.tokenChannels / 4;
  const sessionOptions = { providers: options.providers ?? (['cuda', 'cpu'] as const), threads: options.threads };
  const sessions: EngineSession[] = [];
  const open = async (path: string) => {
    try {
      const s = await createSession(path, sessionOptions);
      sessions.push(s);
      return s;
    } catch (e) {
      problems.push(`${path} cannot be loaded by onnxruntime: ${(e as Error).message}`);
      return undefined;
    }
  };
  const textSession = await open(files.textEncoder);
  const encSession = await open(files.vaeEncoder);
  const decSession = await open(files.vaeDecoder);

  const image = (layoutChannels: string) => `[batch, ${layoutChannels}, height, width]`;
  let textInputs = { mask: false };
  let textOutputs: string[] = [];
  if (textSession) {
    const checked = checkTextEncoder(files.textEncoder, textSession, text.maxTokens, text.outputs, options.contextDim);
    problems.push(...checked.problems);
    textInputs = { mask: checked.mask };
    textOutputs = checked.outputs;
  }
  if (encSession) {
    problems.push(...onlyOne(files.vaeEncoder, 'input', sessionInputs(encSession)));
    problems.push(...valueProblems(`${files.vaeEncoder} input`, sessionInputs(encSession)[0]!, { name: 'image', dtype: 'float32', dims: [null, 3, null, null], layout: `${image('3')} in [-1, 1]` }));
    const out = sessionOutputs(encSession)[0]!;
    const channels = fixedDim(out, 1);
    problems.push(...valueProblems(`${files.vaeEncoder} output`, out, { name: 'latent', dtype: 'float32', dims: [null, null, null, null], layout: image(`${C} latent mean`) }));
    if (channels !== undefined && channels !== C && channels !== 2 * C) {
      problems.push(`${files.vaeEncoder} output "${out.name}" has ${channels} channels; expected the ${C}-channel latent mean (or ${2 * C} = mean then log-variance).`);
    }
  }
  if (decSession) {
    problems.push(...onlyOne(files.vaeDecoder, 'input', sessionInputs(decSession)));
    problems.push(...valueProblems(`${files.vaeDecoder} input`, sessionInputs(decSession)[0]!, { name: 'latent', dtype: 'float32', dims: [null, C, null, null], layout: image(`${C}`) }));
    problems.push(...valueProblems(`${files.vaeDecoder} output`, sessionOutputs(decSession)[0]!, { name: 'image', dtype: 'float32', dims: [null, 3, null, null], layout: image('3') }));
  }
  if (problems.length) {
    for (const s of sessions) await s.release();
    throw new OnnxModelFolderError(folder.dir, problems);
  }

  const tokenizer = new PromptTokenizer({ vocab: folder.vocab, template: text.template, maxTokens: text.maxTokens, padId: text.padId, byteLevel: text.byteLevel, unkId: text.unkId });
  const L = text.maxTokens;
  const textRun = textSession!;
  const enc = encSession!;
  const dec = decSession!;
  const encInput = enc.inputNames[0]!;
  const decInput = dec.inputNames[0]!;
  const fallbacks = sessions.flatMap((s) => s.fallbacks.map((f) => `${f.provider}: ${f.reason}`));

  return {
    sizeMultiple: downscale * 2,
    latentChannels: C,
    textTokens: L,
    contextDim: options.contextDim,
    providers: { textEncoder: textRun.provider, vaeEncoder: enc.provider, vaeDecoder: dec.provider, fallbacks: [...new Set(fallbacks)] },

    async encodeImage(img) {
      checkSize(img.width, img.height, downscale * 2);
      const { outputs } = await enc.run({ [encInput]: hostTensor('float32', [1, 3, img.height, img.width], toPlanar(img)) });
      const out = outputs[enc.outputNames[0]!]!;
      const [b, channels, h, w] = out.dims as number[];
      if (b !== 1 || (channels !== C && channels !== 2 * C) || h! * downscale !== img.height || w! * downscale !== img.width) {
        throw new Error(`${files.vaeEncoder} turned a ${img.width}×${img.height} image into [${out.dims}], expected [1, ${C}, ${img.height / downscale}, ${img.width / downscale}] (vae.downscale = ${downscale}).`);
      }
      // A mean + log-variance output keeps the mean first: its first C channels.
      const mean = (out.data as Float32Array).subarray(0, C * h! * w!);
      return latentToTokens({ channels: C, height: h!, width: w!, data: mean }, stats);
    },

    async decodeImage(tokens, width, height) {
      checkSize(width, height, downscale * 2);
      const latent = tokensToLatent(tokens, { height: height / (2 * downscale), width: width / (2 * downscale) }, stats);
      const { outputs } = await dec.run({ [decInput]: hostTensor('float32', [1, C, latent.height, latent.width], latent.data) });
      const out = outputs[dec.outputNames[0]!]!;
      if (out.dims.join(',') !== `1,3,${height},${width}`) {
        throw new Error(`${files.vaeDecoder} returned [${out.dims}] for a ${width}×${height} image, expected [1, 3, ${height}, ${width}].`);
      }
      return fromPlanar(out.data as Float32Array, width, height);
    },

    async encodeText(prompt) {
      const t = tokenizer.tokenize(prompt);
      const feeds: Record<string, HostTensor> = { input_ids: hostTensor('int64', [1, L], t.ids) };
      if (textInputs.mask) feeds.attention_mask = hostTensor('int64', [1, L], t.mask);
      const { outputs } = await textRun.run(feeds, textOutputs);
      const parts = textOutputs.map((name) => {
        const o = outputs[name]!;
        if (o.dims.length !== 3 || o.dims[0] !== 1 || o.dims[1] !== L) throw new Error(`${files.textEncoder} output "${name}" is [${o.dims}], expected [1, ${L}, hidden].`);
        return { width: o.dims[2]!, data: o.data as Float32Array };
      });
      const D = parts.reduce((n, p) => n + p.width, 0);
      if (D !== options.contextDim) {
        throw new Error(`${files.textEncoder} gives ${D} features per token (${parts.map((p) => p.width).join(' + ')}), but the transformer's txt_in takes ${options.contextDim}.`);
      }
      // Hidden layers side by side per token: [L, h1 | h2 | h3].
      const context = new Float32Array(L * D);
      for (let i = 0; i < L; i++) {
        let at = i * D;
        for (const p of parts) {
          context.set(p.data.subarray(i * p.width, (i + 1) * p.width), at);
          at += p.width;
        }
      }
      return { context, shape: [L, D], truncated: t.truncated };
    },

    async close() {
      for (const s of sessions) await s.release();
    },
  };
}

function onlyOne(path: string, role: string, values: ValueInfo[]): string[] {
  return values.length === 1 ? [] : [`${path} has ${values.length} ${role}s (${values.map((v) => v.name).join(', ')}); it must have exactly one.`];
}

function checkTextEncoder(path: string, s: EngineSession, L: number, wanted: string[] | undefined, contextDim: number) {
  const problems: string[] = [];
  const inputs = sessionInputs(s);
  const ids = inputs.find((v) => v.name === 'input_ids');
  const mask = inputs.find((v) => v.name === 'attention_mask');
  const ids2d = { dtype: 'int64', dims: [null, L], layout: `[batch, ${L} tokens] (textEncoder.maxTokens)` };
  if (!ids) problems.push(`${path} has no input "input_ids" (its inputs: ${inputs.map((v) => v.name).join(', ') || 'none'}); export it with input_ids int64 [batch, tokens].`);
  else problems.push(...valueProblems(`${path} input`, ids, { name: 'input_ids', ...ids2d }));
  if (mask) problems.push(...valueProblems(`${path} input`, mask, { name: 'attention_mask', ...ids2d }));
  const extra = inputs.filter((v) => v !== ids && v !== mask);
  if (extra.length) problems.push(`${path} has inputs the encoders cannot feed: ${extra.map((v) => v.name).join(', ')} (only input_ids and attention_mask).`);

  const all = sessionOutputs(s);
  const outputs = wanted ?? all.map((o) => o.name);
  let width = 0;
  let widthKnown = true;
  for (const name of outputs) {
    const o = all.find((v) => v.name === name);
    if (!o) {
      problems.push(`${path} has no output "${name}" (textEncoder.outputs); its outputs: ${all.map((v) => v.name).join(', ')}.`);
      continue;
    }
    problems.push(...valueProblems(`${path} output`, o, { name, dtype: 'float32', dims: [null, L, null], layout: `[batch, ${L} tokens, hidden]` }));
    const d = fixedDim(o, 2);
    if (d === undefined) widthKnown = false;
    else width += d;
  }
  if (!problems.length && widthKnown && width !== contextDim) {
    problems.push(`${path} outputs ${width} features per token in all, but the transformer's txt_in takes ${contextDim} (FLUX.2 concatenates three hidden layers: 3 × hidden size).`);
  }
  return { problems, mask: mask !== undefined, outputs };
}

function checkSize(width: number, height: number, multiple: number): void {
  if (width % multiple || height % multiple) throw new Error(`A ${width}×${height} image cannot be encoded: sides must be multiples of ${multiple}.`);
}

/** 8-bit RGB (row-major, interleaved) → [3, H, W] floats in [-1, 1]. */
function toPlanar(img: RgbImage): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) out[c * n + p] = img.data[p * 3 + c]! / 127.5 - 1;
  }
  return out;
}

function fromPlanar(planes: Float32Array, width: number, height: number): RgbImage {
  const n = width * height;
  const data = new Uint8Array(3 * n);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.round(Math.min(255, Math.max(0, (planes[c * n + p]! + 1) * 127.5)));
  }
  return { width, height, data };
}
