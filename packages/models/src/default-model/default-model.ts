// Load a pixel-space model folder (the shipped default model, or one made by `lora-studio model pretrain`) and
// use it: images ↔ tokens, prompts → context, and text-to-image sampling with classifier-free guidance
// (the model saw 10% empty captions in pretraining, so "" gives its unconditional prediction).
import { join } from 'node:path';
import { resourcesDir } from '@lora-studio/store';
import { add, createSession, Graph, hostTensor, mul, serializeGraph, sub, type EngineSession, SeededRandom } from '@lora-studio/onnx';
import type { Flux2Config } from '../flux2/config';
import { buildFlux2 } from '../flux2/graph';
import { addFlux2Weights } from '../flux2/graph-weights';
import { flux2WeightSpecs } from '../flux2/weights';
import { flux2ImageIds, flux2TextIds } from '../flux2/positions';
import { frozenWeights } from './graph-weights';
import { modelFolderId, readManifest, readModelWeights, type ModelManifest } from './model-files';
import { floatToBytes, patchify, tokenChannels, tokenCount, unpatchify, type FloatImage, type PixelFormat } from './patchify';
import type { RgbImage } from './pixels';
import { buildTextEncoder, contextTokens, promptIds, textEncoderWeightSpecs, type TextEncoderConfig } from './text-encoder';

/** resources/base-models/flux2-tiny-default (LORA_STUDIO_RESOURCES overrides the resources folder). */
export function defaultModelDir(): string {
  return join(resourcesDir(), 'base-models', 'flux2-tiny-default');
}

export interface TextEncoding {
  /** [prompts, tokens, contextDim], row-major. */
  context: Float32Array;
  shape: [number, number, number];
  /** Position ids of one prompt's context tokens [tokens, 4]. */
  ids: Float32Array;
  /** Indices of prompts cut to maxBytes. */
  truncated: number[];
}

export interface SampleOptions {
  seed: number;
  steps?: number;
  /** Classifier-free guidance scale; 1 = no guidance. */
  guidance?: number;
  /**
   * Time the Euler path starts from (default 1 = pure noise). Below 1 the start is noise scaled by it: a model
   * pretrained with logit-normal times has seen few t near 1 and denoises better from slightly below.
   */
  startTime?: number;
}

export interface DefaultModel {
  dir: string;
  manifest: ModelManifest;
  /** Content hash of the folder's files: part of cache keys. */
  id: string;
  config: Flux2Config;
  image: PixelFormat;
  textEncoder: TextEncoderConfig;
  /** Every transformer weight by BFL name, float32. */
  transformerWeights: Record<string, Float32Array>;
  encodeImage(image: FloatImage | RgbImage): Float32Array;
  decodeImage(tokens: Float32Array): FloatImage;
  encodeText(prompts: readonly string[]): Promise<TextEncoding>;
  /** One image per prompt; prompt i starts from the noise of seed + i. */
  sample(prompts: readonly string[], options: SampleOptions): Promise<RgbImage[]>;
  close(): Promise<void>;
}

export async function loadDefaultModel(dir = defaultModelDir(), options: { threads?: number } = {}): Promise<DefaultModel> {
  const manifest = readManifest(dir);
  const weights = readModelWeights(dir, manifest);
  const { transformer: config, image, textEncoder } = manifest;
  const threads = options.threads ?? 2;
  const T = contextTokens(textEncoder);

  const textGraph = new Graph('text_encoder');
  const bytes = textGraph.input('bytes', 'int64', [1, textEncoder.maxBytes]);
  const words = textEncoder.words === undefined ? undefined : textGraph.input('words', 'int64', [1, textEncoder.maxBytes]);
  textGraph.output(buildTextEncoder(textGraph, textEncoder, frozenWeights(textGraph, textEncoderWeightSpecs(textEncoder), weights.textEncoder), bytes, 1, words), 'context');
  const textSession = await createSession(serializeGraph(textGraph), { providers: ['cpu'], threads });
  const samplers = new Map<number, Promise<EngineSession>>();

  /** velocity = uncond + guidance·(cond − uncond) for a batch of B prompts (the graph runs 2B rows). */
  const samplerFor = (B: number) => {
    let s = samplers.get(B);
    if (!s) {
      const g = new Graph('sample');
      const N = tokenCount(image);
      const C = tokenChannels(image);
      const img = g.input('img', 'float32', [B, N, C]);
      const cond = g.input('txt', 'float32', [B, T, config.contextDim]);
      const uncond = g.input('txt_uncond', 'float32', [B, T, config.contextDim]);
      const timesteps = g.input('timesteps', 'float32', [B]);
      const imgIds = g.input('img_ids', 'float32', [B, N, 4]);
      const txtIds = g.input('txt_ids', 'float32', [B, T, 4]);
      const guidance = g.input('guidance', 'float32', []);
      const w = addFlux2Weights(g, config, 'float32', {
        kind: 'dense', weights: Object.fromEntries(flux2WeightSpecs(config).map((sp) => [sp.name, { shape: [...sp.shape], data: weights.transformer[sp.name]! }])),
      });
      const vc = buildFlux2(g, { img, imgIds, txt: cond, txtIds, timesteps }, { config, weights: w });
      const vu = buildFlux2(g, { img, imgIds, txt: uncond, txtIds, timesteps }, { config, weights: w });
      g.output(add(vu, mul(sub(vc, vu), guidance)), 'velocity');
      s = createSession(serializeGraph(g), { providers: ['cpu'], threads });
      samplers.set(B, s);
    }
    return s;
  };

  const model: DefaultModel = {
    dir, manifest, config, image, textEncoder,
    id: modelFolderId(dir, manifest),
    transformerWeights: weights.transformer,
    encodeImage: (img) => patchify(img, image),
    decodeImage: (tokens) => unpatchify(tokens, image),
    async encodeText(prompts) {
      const { bytes: ids, words: wordIds, truncated } = promptIds(prompts, textEncoder);
      const context = new Float32Array(prompts.length * T * config.contextDim);
      const L = textEncoder.maxBytes;
      for (let b = 0; b < prompts.length; b++) {
        const row = (a: BigInt64Array) => hostTensor('int64', [1, L], a.subarray(b * L, (b + 1) * L));
        const { outputs } = await textSession.run({ bytes: row(ids), ...(wordIds ? { words: row(wordIds) } : {}) });
        context.set(outputs.context!.data as Float32Array, b * T * config.contextDim);
      }
      return { context, shape: [prompts.length, T, config.contextDim], ids: flux2TextIds(T), truncated };
    },
    async sample(prompts, o) {
      const B = prompts.length;
      const N = tokenCount(image);
      const C = tokenChannels(image);
      const steps = o.steps ?? 20;
      const cond = await model.encodeText(prompts);
      const uncond = await model.encodeText(prompts.map(() => ''));
      const x = new Float32Array(B * N * C);
      const start = o.startTime ?? 1;
      for (let b = 0; b < B; b++) new SeededRandom(o.seed + b).fillNormal(x.subarray(b * N * C, (b + 1) * N * C), start);
      const repeat = (ids: Float32Array) => { const out = new Float32Array(ids.length * B); for (let b = 0; b < B; b++) out.set(ids, b * ids.length); return out; };
      const session = await samplerFor(B);
      const fixed = {
        txt: hostTensor('float32', [B, T, config.contextDim], cond.context),
        txt_uncond: hostTensor('float32', [B, T, config.contextDim], uncond.context),
        img_ids: hostTensor('float32', [B, N, 4], repeat(flux2ImageIds(image.size / image.patch, image.size / image.patch))),
        txt_ids: hostTensor('float32', [B, T, 4], repeat(flux2TextIds(T))),
        guidance: hostTensor('float32', [], [o.guidance ?? 3]),
      };
      // Euler from t = start (noise) to t = 0 on an even grid: x ← x + (t_next − t)·v.
      for (let i = 0; i < steps; i++) {
        const t = start * (1 - i / steps);
        const tNext = start * (1 - (i + 1) / steps);
        const { outputs } = await session.run({ ...fixed, img: hostTensor('float32', [B, N, C], x), timesteps: hostTensor('float32', [B], new Float32Array(B).fill(t)) });
        const v = outputs.velocity!.data as Float32Array;
        for (let k = 0; k < x.length; k++) x[k]! += (tNext - t) * v[k]!;
      }
      return Array.from({ length: B }, (_, b) => floatToBytes(unpatchify(x.slice(b * N * C, (b + 1) * N * C), image)));
    },
    async close() {
      await textSession.release();
      for (const s of samplers.values()) await (await s).release();
    },
  };
  return model;
}
