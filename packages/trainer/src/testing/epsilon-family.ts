// A second model family for tests: a family's network trained to predict the noise ε (as SD-era UNets do) instead
// of FLUX.2's velocity, with its own sampler step. It proves the trainer takes the objective, the sampler and the
// graph from the family alone: nothing in the trainer knows this family exists.
import { createSession, Graph, hostTensor, SeededRandom, serializeGraph, type EngineSession, type HostTensor } from '@lora-studio/onnx';
import {
  addLoraInputs, exactLowRank, type Adapter, type DenoiserInputNames, type ImageSampler, type LoraTargetLayer, type ModelFamily, type SampleRequest,
  type SamplerSetup, type TrainingObjective,
} from '@lora-studio/models';

/**
 * The same interpolation as flow matching, x_t = (1 − t)·x0 + t·ε, with the noise itself as the target. The
 * noise levels are drawn as the wrapped family draws them.
 */
export function epsilonObjective(draws: TrainingObjective['sampleTimestep']): TrainingObjective {
  return {
    predicts: 'noise ε',
    sampleTimestep: draws,
    trainingPair(x0, noise, t) {
      if (x0.length !== noise.length || t.length === 0 || x0.length % t.length !== 0) throw new Error('Latents, noise and noise levels do not match in size.');
      const per = x0.length / t.length;
      const xt = new Float32Array(x0.length);
      for (let b = 0; b < t.length; b++) {
        for (let i = b * per; i < (b + 1) * per; i++) xt[i] = (1 - t[b]!) * x0[i]! + t[b]! * noise[i]!;
      }
      return { xt, target: Float32Array.from(noise) };
    },
  };
}

/**
 * One deterministic (DDIM) step from noise level t to tNext given the predicted noise: the clean image it implies,
 * x̂0 = (x − t·ε̂) / (1 − t), re-noised to tNext with the same ε̂.
 */
export function epsilonStep(x: Float32Array, noise: Float32Array, t: number, tNext: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let k = 0; k < x.length; k++) {
    const x0 = (x[k]! - t * noise[k]!) / (1 - t);
    out[k] = (1 - tNext) * x0 + tNext * noise[k]!;
  }
  return out;
}

/** At t = 1 the input holds no image, so a noise prediction implies none: sampling starts just below. */
const FIRST_NOISE_LEVEL = 0.98;
const INPUTS: DenoiserInputNames = { image: 'img', timestep: 'timesteps', text: 'txt' };

class EpsilonSampler implements ImageSampler {
  private constructor(
    private readonly family: ModelFamily,
    private readonly session: EngineSession,
    private readonly slots: readonly LoraTargetLayer[],
  ) {}

  /** Any family's denoiser, read as a noise predictor, with LoRA tensors and scale as inputs. */
  static async create(family: ModelFamily, setup: SamplerSetup): Promise<EpsilonSampler> {
    const slots = setup.loraLayers?.length ? family.loraTargets(setup.loraLayers) : [];
    const g = new Graph('epsilon_sample');
    const denoiser = family.addDenoiserInputs(g, { batch: 'batch', imageTokens: 'img_tokens', textTokens: 'txt_tokens' }, INPUTS);
    const weights = family.addWeights(g, setup.weights);
    const lora = slots.length ? addLoraInputs(g, slots.map((l) => ({ ...l, rank: `${l.path}.rank` })), 'float32', 'input') : undefined;
    g.output(denoiser.predict({ weights, lora: lora?.layers }), 'noise');
    const stored = family.weightSession(setup.weights);
    const folder = setup.externalDataFolder ?? stored.externalDataFolder;
    const session = await createSession(serializeGraph(g, { externalDataFolder: folder }), { ...setup.session, ...stored, externalDataFolder: folder });
    return new EpsilonSampler(family, session, slots);
  }

  get provider(): string {
    return this.session.provider;
  }

  async sample(req: SampleRequest): Promise<Float32Array> {
    const f = this.family;
    const N = req.gridHeight * req.gridWidth;
    const L = req.text.length / f.tokens.contextDim;
    // Classifier-free guidance: the prompt and the negative prompt as a batch of two.
    const cfg = req.guidance !== 1;
    const B = cfg ? 2 : 1;
    const repeat = (v: Float32Array) => Float32Array.from({ length: v.length * B }, (_, i) => v[i % v.length]!);
    const text = cfg ? Float32Array.from([...req.text, ...(req.negativeText ?? new Float32Array(req.text.length))]) : req.text;
    let x = new SeededRandom(req.seed).fillNormal(new Float32Array(N * f.tokens.outChannels)) as Float32Array;
    const times = Array.from({ length: req.steps + 1 }, (_, i) => FIRST_NOISE_LEVEL * (1 - i / req.steps));
    for (let i = 0; i < req.steps; i++) {
      const feeds = {
        ...f.denoiserFeeds({
          rows: B, imageTokens: N, textTokens: L, image: repeat(x), timesteps: new Array(B).fill(times[i]!), text,
          imagePositions: repeat(f.imagePositions(req.gridHeight, req.gridWidth)), textPositions: repeat(f.textPositions(L)), guidance: req.guidance,
        }, INPUTS),
        ...this.loraFeeds(req.lora ?? null, req.loraScale ?? 1),
      };
      const e = (await this.session.run(feeds)).outputs.noise!.data as Float32Array;
      const noise = cfg ? x.map((_, k) => e[x.length + k]! + req.guidance * (e[k]! - e[x.length + k]!)) : e.subarray(0, x.length);
      x = epsilonStep(x, noise, times[i]!, times[i + 1]!);
      req.onProgress?.({ step: i + 1, steps: req.steps, t: times[i + 1]! });
    }
    return x;
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  /** alpha/rank folded into B; a slot without a layer gets a rank-1 zero update, so one graph serves both. */
  private loraFeeds(given: Adapter | null, scale: number): Record<string, HostTensor> {
    if (!this.slots.length) return {};
    const adapter = given && exactLowRank(given);
    const byPath = new Map((adapter?.layers ?? []).map((l) => [l.path, l]));
    const feeds: Record<string, HostTensor> = { lora_scale: hostTensor('float32', [], [adapter ? scale : 0]) };
    for (const slot of this.slots) {
      const l = byPath.get(slot.path);
      const rank = l?.rank ?? 1;
      feeds[`${slot.path}.lora_A`] = hostTensor('float32', [rank, slot.inDim], l?.down ?? new Float32Array(slot.inDim));
      feeds[`${slot.path}.lora_B`] = hostTensor('float32', [slot.outDim, rank], l ? l.up.map((v) => (v * l.alpha) / l.rank) : new Float32Array(slot.outDim));
    }
    return feeds;
  }
}

/** `base` (FLUX.2, say) with a noise-predicting objective and the sampler that goes with it. */
export function epsilonFamily(base: ModelFamily): ModelFamily {
  return {
    ...base,
    family: `${base.family} (ε-prediction)`,
    describe: () => `${base.describe()}, trained to predict the noise`,
    objective: epsilonObjective(base.objective.sampleTimestep),
    createSampler: (setup) => EpsilonSampler.create(base, setup),
  };
}
