// What a base-model family (FLUX.2 today; an SDXL UNet with ε-prediction could be the next) gives the trainer,
// the samplers and the Compare view: the denoiser as a graph, the inputs it reads, its weights and LoRA layers,
// the training objective, the sampler and the LoRA files. The trainer, base prediction, preflight, memory
// estimate and renderer go only through this, so a second family is a folder that implements it (see
// docs/architecture.md §Model families). The encoders (pixels and captions to tokens) are a separate seam, the
// trainer's ModelEncoders.
import type { TimestepSampling } from '@lora-studio/api';
import type { Dim, EngineSessionOptions, Graph, HostTensor, Tensor } from '@lora-studio/onnx';
import type { Flux2WeightSource, FrozenFlux2Weights } from '../flux2/graph-weights';
import type { LoraGraphLayer } from '../flux2/graph';
import type { LoraAdapter, LoraOptions } from '../lora/adapter';
import type { Adapter } from '../adapter/adapter-type';
import type { LoraExportOptions, LoraFormat } from '../lora/formats';
import type { LoraTrainingInfo } from '../lora/metadata';
import type { LoraTargets } from '../lora/targets';
import type { SampleRequest } from '../sampling/sampler';

/**
 * Frozen weights by reference (into the model's own safetensors files or a quantized copy) or in memory. Nothing
 * here is FLUX.2's own: a checkpoint is named tensors in files, whatever the architecture.
 */
export type FrozenWeights = FrozenFlux2Weights;
/** Frozen weights, or graph inputs named like the weights (full fine-tuning feeds and updates them). */
export type GraphWeights = Flux2WeightSource;

/** The random draws an objective makes; the trainer's checkpointed stream provides them. */
export interface RandomDraws {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
}

/** How a family trains: which noise levels it draws, what it feeds the network and what the network must output. */
export interface TrainingObjective {
  /** What the network's output is trained toward, in words (for docs and logs): "velocity ε − x0". */
  readonly predicts: string;
  /** One noise level per training row; its meaning (a flow time, a discrete step) is the family's own. */
  sampleTimestep(random: RandomDraws, sampling: TimestepSampling): number;
  /**
   * The noisy input and the target of a batch: `x0` (clean latent tokens) and `noise` hold `t.length` rows of equal
   * size back to back; row b uses noise level t[b].
   */
  trainingPair(x0: Float32Array, noise: Float32Array, t: readonly number[]): { xt: Float32Array; target: Float32Array };
}

/** Widths of what flows through the denoiser: channels per image token in and out, and per text feature row. */
export interface TokenWidths {
  inChannels: number;
  outChannels: number;
  contextDim: number;
}

/** Token counts of a denoiser graph's inputs: numbers, or names to keep them symbolic (one graph, any size). */
export interface DenoiserDims {
  batch: Dim;
  imageTokens: Dim;
  textTokens: Dim;
  /**
   * Reference-image tokens per row (edit models: clean tokens of the pictures the image is made from, read but not
   * predicted). Absent: the graph takes no references and its inputs are exactly as without them.
   */
  referenceTokens?: Dim;
}

/** Graph input names the caller chooses; the family names the rest (position ids, guidance). */
export interface DenoiserInputNames {
  /** The noisy image tokens [B, N, inChannels]. */
  image: string;
  /** The noise level per row [B]. */
  timestep: string;
  /** The text features [B, T, contextDim]. */
  text: string;
}

/** What the network is built from: its weights in the compute dtype, LoRA layers by path, and checkpointing. */
export interface DenoiserParts {
  weights: Map<string, Tensor>;
  lora?: Map<string, LoraGraphLayer>;
  /** Recompute each block's activations in the backward pass instead of keeping them. */
  checkpointBlocks?: boolean;
}

/** A denoiser's inputs declared in a graph; `predict` builds the network on them (as often as needed). */
export interface DenoiserGraph {
  /** The network's output [B, N, outChannels]: what the objective's target is. */
  predict(parts: DenoiserParts): Tensor;
}

/** Rows of a denoiser's inputs as host arrays, each row back to back. */
export interface DenoiserRows {
  rows: number;
  imageTokens: number;
  textTokens: number;
  image: Float32Array;
  timesteps: Float32Array | readonly number[];
  text: Float32Array;
  /** The family's position ids of each row's image and text tokens (imagePositions / textPositions, repeated). */
  imagePositions: Float32Array;
  textPositions: Float32Array;
  /** Guidance scale, for a family whose network takes it as an input. */
  guidance?: number;
  /** Each row's reference-image tokens and their positions (referencePositions, per row), for a graph that takes them. */
  references?: { tokens: number; image: Float32Array; positions: Float32Array };
}

/** A compiled sampler: text features (and optionally a LoRA) in, denoised latent tokens out. */
export interface ImageSampler {
  readonly provider: string;
  /** The denoised latent tokens [gridHeight · gridWidth, outChannels]; the same seed gives the same noise. */
  sample(request: SampleRequest): Promise<Float32Array>;
  release(): Promise<void>;
}

export interface SamplerSetup {
  weights: GraphWeights;
  /** Paths of the layers LoRAs may be fed for (the LoRA tensors and scale are inputs); default none. */
  loraLayers?: readonly string[];
  /** Folder external weight paths are written relative to; default: the weights' own folder. */
  externalDataFolder?: string;
  session?: EngineSessionOptions;
  /** A sampler whose requests bring reference images (edit LoRAs); see SampleRequest.references. */
  references?: boolean;
}

/** A layer a LoRA can target: its path in the family's own naming, and its matrix's sizes. */
export interface LoraTargetLayer {
  path: string;
  inDim: number;
  outDim: number;
}

/** A trainable or frozen weight of the network by name and shape. */
export interface FamilyWeightSpec {
  name: string;
  shape: number[];
}

/**
 * The memory estimate's picture of the network: a stack of transformer blocks of this width over the joint text and
 * image tokens (a UNet family reports its widest attention stage).
 */
export interface DenoiserShape {
  hiddenSize: number;
  numHeads: number;
  numDoubleBlocks: number;
  numSingleBlocks: number;
  mlpRatio: number;
  contextDim: number;
}

/** How the family's LoRAs are written and described for other tools. */
export interface LoraFiles {
  formats: readonly LoraFormat[];
  save(path: string, adapter: Adapter, format: LoraFormat, options?: LoraExportOptions): void;
  /** Header metadata (modelspec, kohya ss_*, our own) that LoRA tools read, with this family's architecture. */
  metadata(info: LoraTrainingInfo): Record<string, string>;
}

/** One base model's architecture, bound to its config. */
export interface ModelFamily {
  /** The family, in the user's words: "FLUX.2". */
  readonly family: string;
  /** This config in a line: family, size, parameters. */
  describe(): string;
  readonly parameters: number;
  readonly tokens: TokenWidths;
  readonly shape: DenoiserShape;

  /** Every weight of the network, in a fixed order (full fine-tuning trains them all). */
  weightSpecs(): FamilyWeightSpec[];
  /** One frozen weight as float32 (full fine-tuning starts from it). */
  readWeight(weights: FrozenWeights, name: string): Float32Array;
  /** The weights as graph tensors in float32; stored weights stay by reference and are cast where they are used. */
  addWeights(g: Graph, weights: GraphWeights): Map<string, Tensor>;
  /** The session settings a graph on these weights needs (where its external data lies, whether float32 is folded). */
  weightSession(weights: GraphWeights): Pick<EngineSessionOptions, 'externalDataFolder' | 'keepWeightsAsStored' | 'convertWeightsAtLoad'>;

  /** Declares the denoiser's inputs (the caller's names for image, timestep and text; the family's for the rest). */
  addDenoiserInputs(g: Graph, dims: DenoiserDims, names: DenoiserInputNames): DenoiserGraph;
  /** Host tensors for the inputs `addDenoiserInputs` declared with the same names. */
  denoiserFeeds(rows: DenoiserRows, names: DenoiserInputNames): Record<string, HostTensor>;
  /** Position ids of an h × w grid of image tokens and of `tokens` text tokens (empty where a family has none). */
  imagePositions(gridHeight: number, gridWidth: number): Float32Array;
  textPositions(tokens: number): Float32Array;
  /** Position ids of one row's reference images (their token grids, in order), back to back. */
  referencePositions(grids: readonly { height: number; width: number }[]): Float32Array;

  readonly objective: TrainingObjective;
  createSampler(setup: SamplerSetup): Promise<ImageSampler>;

  /** The layers a preset ('attention', 'all-linear') or a list of layer names targets, in model order. */
  loraTargets(targets: LoraTargets): LoraTargetLayer[];
  /** A fresh adapter on those layers (B = 0, so training starts from the base model), drawn from `seed`. */
  createLoraAdapter(options: LoraOptions): LoraAdapter;
  readonly lora: LoraFiles;
}
