// Euler flow-matching sampler for FLUX.2: x₁ is seeded noise, x ← x + (t_next − t)·v from t = 1 to 0.
// One compiled graph serves every LoRA checkpoint and scale: the LoRA tensors (any rank) and the scale are
// inputs. Guidance-distilled configs take the guidance scale as an input; the others use true
// classifier-free guidance, running the prompt and the negative prompt as a batch of two.
import { Graph, createSession, hostTensor, joinArrays, repeatArray, serializeGraph, type EngineSession, type EngineSessionOptions, SeededRandom } from '@lora-studio/onnx';
import type { Flux2Config } from '../flux2/config';
import { addFlux2Inputs, buildFlux2 } from '../flux2/graph';
import { addFlux2Weights, addLoraInputs, flux2WeightSession, type Flux2WeightSource } from '../flux2/graph-weights';
import { flux2ImageIds, flux2ReferenceIds, flux2TextIds } from '../flux2/positions';
import { flux2LinearLayers } from '../flux2/weights';
import { loraScale } from '../lora/adapter';
import type { Adapter } from '../adapter/adapter-type';
import { exactLowRank } from '../adapter/adapter-types';
import { flux2Timesteps } from './schedule';

export interface SamplerOptions {
  config: Flux2Config;
  weights: Flux2WeightSource;
  /** BFL paths of the layers LoRAs may target; a LoRA on other layers is refused. Default: none. */
  loraLayers?: readonly string[];
  /** Folder external weight paths are written relative to; default: the checkpoint's folder. */
  externalDataFolder?: string;
  session?: EngineSessionOptions;
  /** A graph that takes reference images (edit LoRAs); its every request must then bring at least one. */
  references?: boolean;
}

/** A reference image's clean latent tokens [gridHeight·gridWidth, inChannels], encoded as training images are. */
export interface ReferenceTokens {
  tokens: Float32Array;
  gridHeight: number;
  gridWidth: number;
}

export interface SampleRequest {
  /** Latent token grid (image height/width divided by the patch size). */
  gridHeight: number;
  gridWidth: number;
  /** Text features [L, contextDim] of the prompt. */
  text: Float32Array;
  /** Text features of the negative prompt (true CFG only; same L). Default: zeros. */
  negativeText?: Float32Array;
  steps: number;
  /** Guidance scale: embedded for guidance-distilled configs, CFG weight otherwise (1 = no CFG). */
  guidance: number;
  seed: number;
  /** Any kind of adapter (LoKr and LoHa are applied through their exact LoRA form, see exactLowRank). */
  lora?: Adapter | null;
  loraScale?: number;
  /** Reference images, in order (FLUX.2 gives the i-th the time position 10 + 10·i); only for a sampler made with references. */
  references?: readonly ReferenceTokens[];
  onProgress?: (event: { step: number; steps: number; t: number }) => void;
}

export class Flux2Sampler {
  private constructor(
    readonly config: Flux2Config,
    private readonly session: EngineSession,
    private readonly loraLayers: readonly { path: string; inDim: number; outDim: number }[],
    /** Whether the graph takes reference images. */
    readonly references: boolean,
  ) {}

  static async create(options: SamplerOptions): Promise<Flux2Sampler> {
    const c = options.config;
    if (c.inChannels !== c.outChannels) {
      throw new Error(`Sampling needs inChannels = outChannels (the velocity updates the input); the config has ${c.inChannels} and ${c.outChannels}.`);
    }
    const all = new Map(flux2LinearLayers(c).map((l) => [l.path, l]));
    const loraLayers = (options.loraLayers ?? []).map((path) => {
      const l = all.get(path);
      if (!l) throw new Error(`Cannot prepare a LoRA slot for ${path}: the model has no such Linear layer.`);
      return l;
    });
    const g = new Graph('flux2_sample');
    const inputs = addFlux2Inputs(g, c, 'float32', options.references ? { referenceTokens: 'ref_tokens' } : {});
    const weights = addFlux2Weights(g, c, 'float32', options.weights);
    const lora = loraLayers.length
      ? addLoraInputs(g, loraLayers.map((l) => ({ path: l.path, inDim: l.inDim, outDim: l.outDim, rank: `${l.path}.rank` })), 'float32', 'input')
      : undefined;
    g.output(buildFlux2(g, inputs, { config: c, weights, lora: lora?.layers }), 'velocity');
    const stored = flux2WeightSession(options.weights);
    const folder = options.externalDataFolder ?? stored.externalDataFolder;
    const model = serializeGraph(g, { externalDataFolder: folder });
    const session = await createSession(model, { ...options.session, ...stored, externalDataFolder: folder });
    return new Flux2Sampler(c, session, loraLayers, options.references === true);
  }

  get provider(): string {
    return this.session.provider;
  }

  /** Returns the denoised latent tokens [gridHeight·gridWidth, outChannels]. */
  async sample(req: SampleRequest): Promise<Float32Array> {
    const c = this.config;
    const N = req.gridHeight * req.gridWidth;
    const L = req.text.length / c.contextDim;
    if (!Number.isInteger(L) || L < 1) throw new Error(`The prompt features have ${req.text.length} values, not a multiple of the context width ${c.contextDim}.`);
    if (req.negativeText && req.negativeText.length !== req.text.length) throw new Error('The negative prompt features must have the same length as the prompt features.');
    const cfg = !c.guidanceEmbed && req.guidance !== 1;
    const B = cfg ? 2 : 1;
    const x = new SeededRandom(req.seed).fillNormal(new Float32Array(N * c.outChannels)) as Float32Array;
    const repeat = (v: Float32Array) => repeatArray(v, B);
    const text = cfg ? joinArrays([req.text, req.negativeText ?? new Float32Array(req.text.length)]) : req.text;
    const fixed = {
      ...this.referenceFeeds(req.references ?? [], B),
      img_ids: hostTensor('float32', [B, N, 4], repeat(flux2ImageIds(req.gridHeight, req.gridWidth))),
      txt: hostTensor('float32', [B, L, c.contextDim], text),
      txt_ids: hostTensor('float32', [B, L, 4], repeat(flux2TextIds(L))),
      ...(c.guidanceEmbed ? { guidance: hostTensor('float32', [B], new Float32Array(B).fill(req.guidance)) } : {}),
      ...this.loraFeeds(req.lora ?? null, req.loraScale ?? 1),
    };
    const times = flux2Timesteps(req.steps, N);
    for (let i = 0; i < req.steps; i++) {
      const t = times[i]!;
      const { outputs } = await this.session.run({
        ...fixed,
        img: hostTensor('float32', [B, N, c.inChannels], repeat(x)),
        timesteps: hostTensor('float32', [B], new Float32Array(B).fill(t)),
      });
      const v = outputs.velocity!.data as Float32Array;
      const dt = times[i + 1]! - t;
      const size = x.length;
      for (let k = 0; k < size; k++) {
        const velocity = cfg ? v[size + k]! + req.guidance * (v[k]! - v[size + k]!) : v[k]!;
        x[k]! += dt * velocity;
      }
      req.onProgress?.({ step: i + 1, steps: req.steps, t: times[i + 1]! });
    }
    return x;
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  /** The references as the graph's ref / ref_ids inputs, the same for every row (both halves of a CFG batch). */
  private referenceFeeds(refs: readonly ReferenceTokens[], rows: number): Record<string, ReturnType<typeof hostTensor>> {
    const c = this.config;
    if (!this.references) {
      if (refs.length) throw new Error('This sampler was created without reference inputs; create it with references: true to use reference images.');
      return {};
    }
    if (!refs.length) throw new Error('This sampler takes reference images: give at least one.');
    for (const r of refs) {
      if (r.tokens.length !== r.gridHeight * r.gridWidth * c.inChannels) {
        throw new Error(`A reference image has ${r.tokens.length} values, not ${r.gridHeight}×${r.gridWidth} tokens of ${c.inChannels} channels.`);
      }
    }
    const R = refs.reduce((n, r) => n + r.gridHeight * r.gridWidth, 0);
    const tokens = joinArrays(refs.map((r) => r.tokens));
    const ids = flux2ReferenceIds(refs.map((r) => ({ height: r.gridHeight, width: r.gridWidth })));
    return {
      ref: hostTensor('float32', [rows, R, c.inChannels], repeatArray(tokens, rows)),
      ref_ids: hostTensor('float32', [rows, R, 4], repeatArray(ids, rows)),
    };
  }

  /** alpha/rank is folded into B so the graph's single scale input is the user's LoRA scale. */
  private loraFeeds(given: Adapter | null, scale: number) {
    const adapter = given && exactLowRank(given);
    const feeds: Record<string, ReturnType<typeof hostTensor>> = {};
    if (!this.loraLayers.length) {
      if (adapter?.layers.length) throw new Error('This sampler was created without LoRA slots; create it with loraLayers to apply a LoRA.');
      return feeds;
    }
    const byPath = new Map((adapter?.layers ?? []).map((l) => [l.path, l]));
    for (const path of byPath.keys()) {
      if (!this.loraLayers.some((l) => l.path === path)) throw new Error(`The LoRA targets ${path}, which this sampler has no slot for; recreate it with that layer in loraLayers.`);
    }
    feeds.lora_scale = hostTensor('float32', [], [adapter ? scale : 0]);
    for (const slot of this.loraLayers) {
      const l = byPath.get(slot.path);
      if (l && (l.inDim !== slot.inDim || l.outDim !== slot.outDim)) {
        throw new Error(`The LoRA for ${slot.path} is ${l.outDim}×${l.inDim} but the layer is ${slot.outDim}×${slot.inDim}; it was trained for another model.`);
      }
      // An absent layer gets a rank-1 zero update, so the same graph runs with or without it.
      const rank = l?.rank ?? 1;
      feeds[`${slot.path}.lora_A`] = hostTensor('float32', [rank, slot.inDim], l?.down ?? new Float32Array(slot.inDim));
      feeds[`${slot.path}.lora_B`] = hostTensor('float32', [slot.outDim, rank], l ? l.up.map((v) => v * loraScale(l)) : new Float32Array(slot.outDim));
    }
    return feeds;
  }
}
