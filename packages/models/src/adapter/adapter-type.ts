// The adapter seam: what a kind of adapter (LoRA, LoKr, LoHa) is made of on one Linear layer W [out, in], and how
// its update ΔW enters the graph, starts, is named in files and merges into W. The trainer, the step graph, the
// checkpoints, the samplers and the file formats go only through this, so another kind is one new file here.
import { adapterKinds, type AdapterKindSetting } from '@lora-studio/api';
import type { SeededRandom, Tensor } from '@lora-studio/onnx';
import type { LoraGraphLayer } from '../flux2/graph';
import type { LoraInit, LoraLayer } from '../lora/adapter';

export const ADAPTER_KINDS = adapterKinds;
export type AdapterKind = AdapterKindSetting;

/** The settings a run gives every adapted layer. */
export interface AdapterSettings {
  rank: number;
  alpha: number;
  /** LoKr's Kronecker factor: −1 picks the most balanced factorisation (LyCORIS's rule). */
  lokrFactor?: number;
  init?: LoraInit;
}

/** A Linear layer an adapter sits on: its path and W's sizes. */
export interface AdapterTarget {
  path: string;
  inDim: number;
  outDim: number;
}

/** One trainable tensor of a layer's adapter: its role (the LyCORIS/PEFT tensor name, e.g. "lokr_w1") and shape. */
export interface AdapterTensorSpec {
  role: string;
  shape: number[];
}

/** A LoKr or LoHa layer in memory: its tensors by role, and the rank and alpha its scale comes from. */
export interface FactoredLayer extends AdapterTarget {
  kind: Exclude<AdapterKind, 'lora'>;
  rank: number;
  alpha: number;
  tensors: Record<string, { shape: number[]; data: Float32Array }>;
}

/** Any adapter's layer: a LoRA's down/up pair, or a factored kind's tensors. */
export type AdapterLayer = LoraLayer | FactoredLayer;

/** An adapter of any kind, layer by layer, with the header metadata it carries. */
export interface Adapter {
  layers: AdapterLayer[];
  metadata: Record<string, string>;
}

export function adapterKindOf(layer: AdapterLayer): AdapterKind {
  return 'kind' in layer ? layer.kind : 'lora';
}

export interface AdapterType {
  readonly kind: AdapterKind;
  /** In the user's words, for forms and errors: "LoKr (Kronecker product)". */
  readonly label: string;
  /** Every tensor role a layer of this kind may have (a LoKr's W2 is one full matrix or a low-rank pair). */
  readonly roles: readonly string[];
  /** The layer's trainable tensors in a fixed order (the trainer's flat buffer and checkpoints use it). */
  tensors(target: AdapterTarget, settings: AdapterSettings): AdapterTensorSpec[];
  /** Their starting values in the same order, with ΔW = 0 so training starts from the base model. */
  init(target: AdapterTarget, settings: AdapterSettings, rng: SeededRandom): Float32Array[];
  /** W's sizes from the shapes of a layer's tensors by role (a checkpoint names its tensors but not the model). */
  dims(shapes: Record<string, number[]>): { inDim: number; outDim: number };
  /** The layer in memory from its tensors' values (same order as `tensors`). */
  layer(target: AdapterTarget, settings: AdapterSettings, values: Float32Array[]): AdapterLayer;
  /** The factor the product is multiplied by (LoRA: alpha / rank). */
  scale(layer: AdapterLayer): number;
  /** How the update enters the graph, from graph tensors in `tensors` order; `scale` as `scale` returns it. */
  graphLayer(tensors: Tensor[], scale: number | Tensor): LoraGraphLayer;
  /** ΔW = scale · product as [outDim, inDim] in float64 (merging into W, comparing, converting). */
  delta(layer: AdapterLayer): Float64Array;
  /** The tensors as a file stores them: role → values (the roles are LyCORIS's key suffixes for LoKr and LoHa). */
  fileTensors(layer: AdapterLayer): { role: string; shape: number[]; data: Float32Array }[];
  /** kohya's ss_network_args for a file of this kind (LyCORIS reads "algo"); undefined for plain LoRA. */
  readonly networkArgs?: Record<string, string>;
  /**
   * A LyCORIS kind's layer from a file's tensors by role and its alpha tensor (if any), or the sentence saying what
   * is missing or does not fit; plain LoRA files have their own reader.
   */
  fromFile?(path: string, tensors: FactoredLayer['tensors'], alpha: number | undefined): FactoredLayer | string;
}
