// Hand named weights to a graph builder: as frozen initializers (inference, LoRA training) or as views of one
// packed trainable buffer (pretraining). Either way the builder just asks `weight(name)`.
import type { Graph, Tensor } from '@lora-studio/onnx';
import type { TensorSpec } from './text-encoder';

export type WeightLookup = (name: string) => Tensor;

/** Creates every initializer up front, outside any scope, so the graph names equal the weight names. */
export function frozenWeights(g: Graph, specs: readonly TensorSpec[], values: Record<string, Float32Array>, prefix = ''): WeightLookup {
  const made = new Map<string, Tensor>();
  for (const s of specs) {
    const v = values[s.name];
    if (!v) throw new Error(`Weight "${s.name}" is missing from the model file.`);
    made.set(s.name, g.initializer(`${prefix}${s.name}`, 'float32', s.shape, v));
  }
  return lookupIn(made);
}

export function lookupIn(map: ReadonlyMap<string, Tensor>, prefix = ''): WeightLookup {
  return (name) => {
    const t = map.get(prefix + name);
    if (!t) throw new Error(`The graph asked for weight "${prefix}${name}", which the model does not have.`);
    return t;
  };
}
