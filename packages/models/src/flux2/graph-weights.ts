// Where the transformer's weights and LoRA tensors enter the graph.
import { dirname } from 'node:path';
import { cast, concat, dequantizeLinear, mul, type DType, type Dim, type EngineSessionOptions, type Graph, type Tensor } from '@lora-studio/onnx';
import type { SafetensorsDtype } from '@lora-studio/onnx';
import type { LoraFileLayer } from '../lora/formats';
import { bflToDiffusers } from './naming';
import type { Flux2Config } from './config';
import type { Flux2Checkpoint } from './checkpoint';
import type { DenseTensor } from './convert-checkpoint';
import { flux2WeightSpecs } from './weights';
import type { QuantizedBase } from './quantized-base';
import type { LoraGraphLayer } from './graph';

export type Flux2WeightSource =
  /**
   * ONNX external data pointing into the checkpoint's own files: nothing is copied or loaded into JS. Converted to
   * float32 at each use, or once at load (`convert`, by default decided by size: see convertsAtLoad).
   */
  | { kind: 'checkpoint'; checkpoint: Flux2Checkpoint; convert?: 'at-use' | 'at-load' }
  /** ONNX external data pointing into a quantized copy (int8 / fp8 per output channel), dequantized at each use. */
  | { kind: 'quantized'; base: QuantizedBase }
  /** Inline initializers from weights in memory (small models, tests); `convert` as for a checkpoint. */
  | { kind: 'dense'; weights: Record<string, DenseTensor>; convert?: 'at-use' | 'at-load' }
  /** Graph inputs named like the weights (full training feeds and updates them). */
  | { kind: 'inputs' };

const ONNX_DTYPE: Partial<Record<SafetensorsDtype, DType>> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16', I8: 'int8', F8_E4M3: 'float8e4m3fn',
};

/** The frozen weights a base model hands to its graphs: by reference into its checkpoint, or in memory. */
export type FrozenFlux2Weights = Exclude<Flux2WeightSource, { kind: 'inputs' }>;

/**
 * Weights kept in their stored dtype whose `get` converts to the compute dtype at each use: the Cast node is
 * built where the weight is consumed (inside that block's checkpoint segment, if any), so onnxruntime makes the
 * float32 copy of one layer just before its MatMul and frees it after, instead of holding a float32 copy of the
 * whole model; a checkpointed backward pass recomputes the cast rather than keeping it.
 *
 * The converted copy's shape is hidden from onnxruntime's planner (the stored weight is reshaped to its own shape
 * read at run time): the planner hands a dead buffer to the next value of the same static shape, so every weight
 * shape would keep one float32 buffer alive from its first use in the forward pass to its last in the backward
 * (measured: 1.3 GiB of a 1.28 GiB bf16 checkpoint's 3-block step). A buffer of unknown shape is allocated at
 * its use and freed after its last; the copy is then given its static shape back (a Reshape that aliases it).
 */
class ConvertOnUse extends Map<string, Tensor> {
  /** Per-row scales of quantized weights, by weight name. */
  readonly scales = new Map<string, Tensor>();
  /** An int64 scalar 1 that onnxruntime cannot know before the run (the size of NonZero([true])). */
  private readonly runtimeOne: Tensor;

  constructor(private readonly g: Graph, private readonly dtype: DType) {
    super();
    const [nonZero] = g.addNode('NonZero', [g.constant('bool', [1], [1])], {}, [{ dtype: 'int64', shape: [1, 'nonzero'] }]);
    [this.runtimeOne] = g.addNode('Size', [nonZero!], {}, [{ dtype: 'int64', shape: [] }]);
  }

  override get(name: string): Tensor | undefined {
    const stored = super.get(name);
    if (!stored) return undefined;
    const scale = this.scales.get(name);
    if (!scale && stored.dtype === this.dtype) return stored;
    // onnxruntime's CPU provider has no Reshape for float8: fp8 weights keep the static shape (and its reuse).
    if (stored.dtype === 'float8e4m3fn') return cast(dequantizeLinear(stored, scale!, 0), this.dtype);
    const shape = stored.shape as number[];
    const opaque = this.reshape(stored, mul(this.g.constant('int64', [shape.length], shape), this.runtimeOne), shape.map((_, i) => `${name}.dim${i}`));
    const converted = cast(scale ? dequantizeLinear(opaque, scale, 0) : opaque, this.dtype);
    return this.reshape(converted, this.g.constant('int64', [shape.length], shape), shape);
  }

  private reshape(x: Tensor, target: Tensor, shape: Dim[]): Tensor {
    return this.g.addNode('Reshape', [x, target], {}, [{ dtype: x.dtype, shape }])[0]!;
  }
}

/**
 * Checkpoints whose weights take at most this much as float32 (the embedded default model: 26 MB) are converted once at
 * load: onnxruntime folds each weight's Cast (and linearRows' split of it) into a constant, instead of casting every
 * weight at every step (default model: about 7% of the training step's kernel time, 60 fewer nodes per step, peak RSS
 * +3–8 MiB). Larger ones convert at each use, so no float32 copy of the whole model is ever held.
 */
const CONVERT_AT_LOAD_MAX_BYTES = 256 * 2 ** 20;

/**
 * Whether the weights become float32 constants at load (small models) rather than at each use. Small inline weights
 * get the same session (pre-packed Gemm weights), so both compute the same numbers; a quantized base always converts
 * at use (its inline equivalent then needs `convert: 'at-use'`).
 */
function convertsAtLoad(source: Flux2WeightSource): boolean {
  if (source.kind === 'quantized' || source.kind === 'inputs') return false;
  if (source.convert) return source.convert === 'at-load';
  let values = 0;
  if (source.kind === 'dense') for (const w of Object.values(source.weights)) values += w.data.length;
  else for (const w of source.checkpoint.weights.values()) values += w.shape.reduce((a, b) => a * b, 1);
  return values * 4 <= CONVERT_AT_LOAD_MAX_BYTES;
}

/**
 * Every FLUX.2 weight, by BFL name, in the compute dtype (stored bf16/fp16 weights are cast in the graph at each use,
 * or, for small checkpoints, once at load).
 */
export function addFlux2Weights(g: Graph, config: Flux2Config, dtype: DType, source: Flux2WeightSource): Map<string, Tensor> {
  const atLoad = convertsAtLoad(source);
  const out = (source.kind === 'checkpoint' && !atLoad) || source.kind === 'quantized' ? new ConvertOnUse(g, dtype) : new Map<string, Tensor>();
  for (const spec of flux2WeightSpecs(config)) {
    let t: Tensor;
    if (source.kind === 'inputs') {
      t = g.input(spec.name, dtype, spec.shape);
    } else if (source.kind === 'quantized') {
      const w = source.base.weights.get(spec.name);
      if (!w) throw new Error(`Weight ${spec.name} is missing from the quantized base ${source.base.path}.`);
      t = g.externalInitializer(spec.name, ONNX_DTYPE[w.values.dtype]!, spec.shape, w.values);
      if (w.scale) (out as ConvertOnUse).scales.set(spec.name, g.externalInitializer(`${spec.name}.scale`, 'float32', [spec.shape[0]!], w.scale));
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
      t = pieces.length === 1 ? pieces[0]! : concat(pieces, 0);
      if (atLoad) t = cast(t, dtype);
    }
    out.set(spec.name, t);
  }
  return out;
}

/**
 * The session settings a graph built on `source` needs: the folder its external data paths are relative to, and
 * no constant folding or pre-packing, which would copy every weight to float32. Inline weights get the same
 * settings so a run computes the same numbers wherever its weights live.
 */
export function flux2WeightSession(source: Flux2WeightSource): Pick<EngineSessionOptions, 'externalDataFolder' | 'keepWeightsAsStored' | 'convertWeightsAtLoad'> {
  if (source.kind === 'inputs') return {};
  if (source.kind === 'dense') return { keepWeightsAsStored: true, ...(convertsAtLoad(source) ? { convertWeightsAtLoad: true } : {}) };
  if (source.kind === 'quantized') return { externalDataFolder: dirname(source.base.path), keepWeightsAsStored: true };
  return { externalDataFolder: checkpointFolder(source.checkpoint), keepWeightsAsStored: true, ...(convertsAtLoad(source) ? { convertWeightsAtLoad: true } : {}) };
}

/** The one folder every file of the checkpoint sits in (onnxruntime resolves external data inside one folder). */
export function checkpointFolder(checkpoint: Flux2Checkpoint): string {
  const folders = new Set<string>();
  for (const w of checkpoint.weights.values()) for (const p of w.pieces) folders.add(dirname(p.path));
  if (folders.size !== 1) {
    throw new Error(`The checkpoint's files lie in ${folders.size} folders (${[...folders].join(', ')}); put every shard of the transformer in one folder.`);
  }
  return folders.values().next().value!;
}

/** One frozen weight as float32 (full fine-tuning starts from it; LoRA training never reads weights into memory). */
export function readFlux2Weight(source: FrozenFlux2Weights, name: string): Float32Array {
  if (source.kind === 'checkpoint') return source.checkpoint.readFloat32(name);
  if (source.kind === 'quantized') return source.base.readFloat32(name);
  const w = source.weights[name];
  if (!w) throw new Error(`Weight ${name} is missing from the weights given to the graph.`);
  return w.data;
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
