// Where the transformer's weights and LoRA tensors enter the graph.
import { cast, concat, type DType, type Dim, type Graph, type Tensor } from '@lora-studio/onnx';
import type { SafetensorsDtype } from '@lora-studio/onnx';
import type { LoraFileLayer } from '../lora/formats';
import { bflToDiffusers } from './naming';
import type { Flux2Config } from './config';
import type { Flux2Checkpoint } from './checkpoint';
import type { DenseTensor } from './convert-checkpoint';
import { flux2WeightSpecs } from './weights';
import type { LoraGraphLayer } from './graph';

export type Flux2WeightSource =
  /** ONNX external data pointing into the checkpoint's own files: nothing is copied or loaded into JS. */
  | { kind: 'checkpoint'; checkpoint: Flux2Checkpoint }
  /** Inline initializers from weights in memory (small models, tests). */
  | { kind: 'dense'; weights: Record<string, DenseTensor> }
  /** Graph inputs named like the weights (full training feeds and updates them). */
  | { kind: 'inputs' };

const ONNX_DTYPE: Partial<Record<SafetensorsDtype, DType>> = { F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

/** Every FLUX.2 weight, by BFL name, in the compute dtype (stored bf16/fp16 weights are cast in the graph). */
export function addFlux2Weights(g: Graph, config: Flux2Config, dtype: DType, source: Flux2WeightSource): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const spec of flux2WeightSpecs(config)) {
    let t: Tensor;
    if (source.kind === 'inputs') {
      t = g.input(spec.name, dtype, spec.shape);
    } else if (source.kind === 'dense') {
      const w = source.weights[spec.name];
      if (!w) throw new Error(`Weight ${spec.name} is missing from the weights given to the graph.`);
      t = g.initializer(spec.name, dtype, spec.shape, dtype === 'float64' ? Float64Array.from(w.data) : w.data);
    } else {
      const w = source.checkpoint.weights.get(spec.name);
      if (!w) throw new Error(`Weight ${spec.name} is missing from the checkpoint.`);
      const stored = ONNX_DTYPE[w.dtype];
      if (!stored) throw new Error(`Weight ${spec.name} is stored as ${w.dtype}; only F64, F32, F16 and BF16 weights can be used.`);
      const cols = spec.shape.slice(1);
      const pieces = w.pieces.map((p, i) =>
        g.externalInitializer(w.pieces.length === 1 ? spec.name : `${spec.name}.part${i}`, stored, [p.rowEnd - p.rowStart, ...cols], {
          path: p.path, offset: p.byteOffset, length: p.byteLength,
        }));
      t = cast(pieces.length === 1 ? pieces[0]! : concat(pieces, 0), dtype);
    }
    out.set(spec.name, t);
  }
  return out;
}

export interface LoraGraphSpec {
  path: string;
  inDim: number;
  outDim: number;
  /** A number, or a name to keep the rank symbolic so one graph accepts LoRAs of any rank. */
  rank: Dim;
}

export interface LoraGraphInputs {
  layers: Map<string, LoraGraphLayer>;
  /** Inputs "<path>.lora_A" [rank, in] and "<path>.lora_B" [out, rank], in layer order. */
  tensors: Tensor[];
  /** The scalar "lora_scale" input when `scale` is 'input'. */
  scaleInput?: Tensor;
}

/**
 * LoRA tensors as graph inputs. `scale: 'input'` (inference) adds one scalar input "lora_scale"
 * and expects alpha/rank folded into B when fed (see loraFeeds); a number map (training) bakes alpha/rank in.
 */
export function addLoraInputs(g: Graph, specs: readonly LoraGraphSpec[], dtype: DType, scale: 'input' | ReadonlyMap<string, number>): LoraGraphInputs {
  const scaleInput = scale === 'input' ? g.input('lora_scale', dtype, []) : undefined;
  const layers = new Map<string, LoraGraphLayer>();
  const tensors: Tensor[] = [];
  for (const s of specs) {
    const down = g.input(`${s.path}.lora_A`, dtype, [s.rank, s.inDim]);
    const up = g.input(`${s.path}.lora_B`, dtype, [s.outDim, s.rank]);
    const factor = scaleInput ?? (scale as ReadonlyMap<string, number>).get(s.path);
    if (factor === undefined) throw new Error(`No LoRA scale (alpha/rank) given for ${s.path}.`);
    layers.set(s.path, { down, up, scale: factor });
    tensors.push(down, up);
  }
  return { layers, tensors, scaleInput };
}

export interface LoraFileGraphInputs {
  layers: Map<string, LoraGraphLayer>;
  /** Inputs named and shaped as the LoRA file stores its tensors, in file-layer order. */
  tensors: Tensor[];
  /** The file's values under the same names, as float32. */
  values: Map<string, { shape: number[]; data: Float32Array }>;
}

/**
 * A LoRA file's tensors as graph inputs, exactly as the file stores them (its names, shapes and per-pair alpha; a
 * diffusers q/k/v split stays three pairs), so gradients come out per file tensor. `scale` multiplies every pair's
 * alpha/rank.
 */
export function addLoraFileInputs(g: Graph, fileLayers: readonly LoraFileLayer[], dtype: DType, scale: number, what = 'The LoRA file'): LoraFileGraphInputs {
  const layers = new Map<string, LoraGraphLayer>();
  const tensors: Tensor[] = [];
  const values = new Map<string, { shape: number[]; data: Float32Array }>();
  const input = (name: string, shape: number[], data: Float32Array) => {
    values.set(name, { shape, data });
    const x = g.input(name, dtype, shape);
    tensors.push(x);
    return x;
  };
  for (const layer of fileLayers) {
    if (layer.rows === 'split3' && layer.parts.map((p) => p.index).join() !== '0,1,2') {
      throw new Error(`${what} has LoRAs for only some of q, k and v of ${layer.module}; differentiating it needs all three.`);
    }
    const parts = layer.parts.map((p) => ({
      down: input(p.downName, [p.rank, p.inDim], p.down),
      up: input(p.upName, [p.outDim, p.rank], p.up),
      scale: (scale * p.alpha) / p.rank,
    }));
    layers.set(layer.module, { parts, rows: layer.rows });
  }
  return { layers, tensors, values };
}
