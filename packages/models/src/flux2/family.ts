// FLUX.2 as a model family: the transformer of ./graph on 4-axis position ids, flow matching (the network predicts
// the velocity ε − x0), the Euler sampler, LoRAs on its Linear layers in BFL naming and the three file formats.
// Real downloads (klein, dev) and the embedded pixel-space default model are both this family; they differ only in
// config, weights and encoders.
import { hostTensor, type Graph, type HostTensor } from '@lora-studio/onnx';
import { FLOW_MATCHING } from '../family/flow-matching';
import type { DenoiserDims, DenoiserInputNames, DenoiserRows, ModelFamily } from '../family/model-family';
import { createLoraAdapter } from '../lora/adapter';
import { saveLora } from '../lora/files';
import { LORA_FORMATS } from '../lora/formats';
import { loraTrainingMetadata } from '../lora/metadata';
import { loraTargetLayers } from '../lora/targets';
import { Flux2Sampler } from '../sampling/sampler';
import type { Flux2Config } from './config';
import { buildFlux2, type Flux2Inputs } from './graph';
import { addFlux2Weights, flux2WeightSession, readFlux2Weight } from './graph-weights';
import { flux2ImageIds, flux2ReferenceIds, flux2TextIds } from './positions';
import { flux2ParameterCount, flux2WeightSpecs } from './weights';

/** Position ids have four axes (t, h, w, l) per token. */
const POSITION_AXES = 4;

export interface Flux2FamilyOptions {
  /** modelspec.architecture of LoRAs trained on it, when the model knows its own ("Flux.2-klein-4b/lora"). */
  architecture?: string;
}

export function flux2Family(config: Flux2Config, options: Flux2FamilyOptions = {}): ModelFamily {
  const c = config;
  const parameters = flux2ParameterCount(c);
  return {
    family: 'FLUX.2',
    describe: () => `FLUX.2 transformer, ${c.numDoubleBlocks} double and ${c.numSingleBlocks} single blocks of width ${c.hiddenSize}, ${(parameters / 1e6).toFixed(1)} M parameters`,
    parameters,
    tokens: { inChannels: c.inChannels, outChannels: c.outChannels, contextDim: c.contextDim },
    shape: c,

    weightSpecs: () => flux2WeightSpecs(c).map((s) => ({ name: s.name, shape: [...s.shape] })),
    readWeight: readFlux2Weight,
    addWeights: (g, weights) => addFlux2Weights(g, c, 'float32', weights),
    weightSession: flux2WeightSession,

    addDenoiserInputs(g: Graph, dims: DenoiserDims, names: DenoiserInputNames) {
      const { batch: B, imageTokens: N, textTokens: T, referenceTokens: R } = dims;
      // The order of addFlux2Inputs, so a graph built here is the one the sampler and model-run build.
      const inputs: Flux2Inputs = {
        img: g.input(names.image, 'float32', [B, N, c.inChannels]),
        imgIds: g.input('img_ids', 'float32', [B, N, POSITION_AXES]),
        txt: g.input(names.text, 'float32', [B, T, c.contextDim]),
        txtIds: g.input('txt_ids', 'float32', [B, T, POSITION_AXES]),
        timesteps: g.input(names.timestep, 'float32', [B]),
        guidance: c.guidanceEmbed ? g.input('guidance', 'float32', [B]) : undefined,
        ...(R !== undefined ? { ref: g.input('ref', 'float32', [B, R, c.inChannels]), refIds: g.input('ref_ids', 'float32', [B, R, POSITION_AXES]) } : {}),
      };
      return { predict: (parts) => buildFlux2(g, inputs, { config: c, ...parts }) };
    },
    denoiserFeeds(r: DenoiserRows, names: DenoiserInputNames) {
      const feeds: Record<string, HostTensor> = {
        [names.image]: hostTensor('float32', [r.rows, r.imageTokens, c.inChannels], r.image),
        img_ids: hostTensor('float32', [r.rows, r.imageTokens, POSITION_AXES], r.imagePositions),
        [names.text]: hostTensor('float32', [r.rows, r.textTokens, c.contextDim], r.text),
        txt_ids: hostTensor('float32', [r.rows, r.textTokens, POSITION_AXES], r.textPositions),
        [names.timestep]: hostTensor('float32', [r.rows], r.timesteps),
      };
      // Guidance-distilled models (dev) embed the scale; the others take classifier-free guidance at sampling time.
      if (c.guidanceEmbed) feeds.guidance = hostTensor('float32', [r.rows], new Array(r.rows).fill(r.guidance ?? 1));
      if (r.references) {
        feeds.ref = hostTensor('float32', [r.rows, r.references.tokens, c.inChannels], r.references.image);
        feeds.ref_ids = hostTensor('float32', [r.rows, r.references.tokens, POSITION_AXES], r.references.positions);
      }
      return feeds;
    },
    imagePositions: (h, w) => flux2ImageIds(h, w),
    textPositions: (tokens) => flux2TextIds(tokens),
    referencePositions: (grids) => flux2ReferenceIds(grids),

    objective: FLOW_MATCHING,
    createSampler: (setup) => Flux2Sampler.create({ config: c, ...setup }),

    loraTargets: (targets) => loraTargetLayers(c, targets),
    createLoraAdapter: (o) => createLoraAdapter(c, o),
    lora: {
      formats: LORA_FORMATS,
      save: saveLora,
      metadata: (info) => loraTrainingMetadata({ ...info, architecture: info.architecture ?? options.architecture }),
    },
  };
}
