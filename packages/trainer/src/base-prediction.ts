// The base model's own prediction for a noisy image and caption, without any LoRA: the target of output
// preservation (examples trained with the trigger taken out of their caption must predict exactly what the base
// model predicts, so the LoRA learns to change nothing where the trigger is absent). One session with a symbolic
// batch serves any number of rows.
import { createSession, serializeGraph, Graph, type EngineSession } from '@lora-studio/onnx';
import type { DenoiserInputNames } from '@lora-studio/models';
import type { BaseModel } from './base-model/base-model';

export interface PredictionRows {
  rows: number;
  imageTokens: number;
  textTokens: number;
  xt: Float32Array;
  t: Float32Array | number[];
  /** The family's position ids of the rows' image and text tokens. */
  imgIds: Float32Array;
  txt: Float32Array;
  txtIds: Float32Array;
  guidance?: number;
  /** Reference-image tokens of each row, for a prediction created with references. */
  references?: { tokens: number; image: Float32Array; positions: Float32Array };
}

/** The names a standalone denoiser graph gives its inputs (the sampler's and `model run`'s). */
const INPUTS: DenoiserInputNames = { image: 'img', timestep: 'timesteps', text: 'txt' };
const OUTPUT = 'velocity';

export class BasePrediction {
  private constructor(
    private readonly model: Pick<BaseModel, 'family'>,
    private readonly session: EngineSession,
  ) {}

  /** With `references`, every prediction takes rows' reference images (edit LoRAs); without, none. */
  static async create(model: Pick<BaseModel, 'family' | 'weights'>, threads?: number, references = false): Promise<BasePrediction> {
    const family = model.family;
    const g = new Graph('flux2_base_velocity');
    const dims = { batch: 'batch', imageTokens: 'img_tokens', textTokens: 'txt_tokens', ...(references ? { referenceTokens: 'ref_tokens' } : {}) };
    const denoiser = family.addDenoiserInputs(g, dims, INPUTS);
    const weights = family.addWeights(g, model.weights);
    g.output(denoiser.predict({ weights }), OUTPUT);
    const stored = family.weightSession(model.weights);
    return new BasePrediction(model, await createSession(serializeGraph(g, { externalDataFolder: stored.externalDataFolder }), { threads, ...stored }));
  }

  /** The prediction [rows, imageTokens, outChannels] of the frozen base model. */
  async velocity(r: PredictionRows): Promise<Float32Array> {
    const feeds = this.model.family.denoiserFeeds({
      rows: r.rows, imageTokens: r.imageTokens, textTokens: r.textTokens, image: r.xt, timesteps: r.t, text: r.txt,
      imagePositions: r.imgIds, textPositions: r.txtIds, guidance: r.guidance, references: r.references,
    }, INPUTS);
    const { outputs } = await this.session.run(feeds);
    return outputs[OUTPUT]!.data as Float32Array;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
