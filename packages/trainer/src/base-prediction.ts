// The base model's own velocity for a noisy image and caption, without any LoRA: the target of output
// preservation (examples trained with the trigger taken out of their caption must predict exactly what the base
// model predicts, so the LoRA learns to change nothing where the trigger is absent). One session with a symbolic
// batch serves any number of rows.
import { createSession, hostTensor, serializeGraph, Graph, type EngineSession } from '@lora-studio/onnx';
import { addFlux2Inputs, addFlux2Weights, buildFlux2, flux2WeightSession } from '@lora-studio/models';
import type { BaseModel } from './base-model/base-model';

export interface PredictionRows {
  rows: number;
  imageTokens: number;
  textTokens: number;
  xt: Float32Array;
  t: Float32Array | number[];
  imgIds: Float32Array;
  txt: Float32Array;
  txtIds: Float32Array;
  guidance?: number;
}

export class BasePrediction {
  private constructor(
    private readonly model: Pick<BaseModel, 'transformer'>,
    private readonly session: EngineSession,
  ) {}

  static async create(model: Pick<BaseModel, 'transformer' | 'weights'>, threads?: number): Promise<BasePrediction> {
    const c = model.transformer;
    const g = new Graph('flux2_base_velocity');
    const inputs = addFlux2Inputs(g, c, 'float32');
    const weights = addFlux2Weights(g, c, 'float32', model.weights);
    g.output(buildFlux2(g, inputs, { config: c, weights }), 'velocity');
    const stored = flux2WeightSession(model.weights);
    return new BasePrediction(model, await createSession(serializeGraph(g, { externalDataFolder: stored.externalDataFolder }), { threads, ...stored }));
  }

  /** Velocity [rows, imageTokens, outChannels] of the frozen base model. */
  async velocity(r: PredictionRows): Promise<Float32Array> {
    const c = this.model.transformer;
    const feeds = {
      img: hostTensor('float32', [r.rows, r.imageTokens, c.inChannels], r.xt),
      img_ids: hostTensor('float32', [r.rows, r.imageTokens, 4], r.imgIds),
      txt: hostTensor('float32', [r.rows, r.textTokens, c.contextDim], r.txt),
      txt_ids: hostTensor('float32', [r.rows, r.textTokens, 4], r.txtIds),
      timesteps: hostTensor('float32', [r.rows], r.t),
      ...(c.guidanceEmbed ? { guidance: hostTensor('float32', [r.rows], new Array(r.rows).fill(r.guidance ?? 1)) } : {}),
    };
    const { outputs } = await this.session.run(feeds);
    return outputs.velocity!.data as Float32Array;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
