// Random FLUX.2 weights for tests and for initialising a model trained from scratch.
import type { Flux2Config } from './config';
import type { DenseTensor } from './convert-checkpoint';
import { flux2WeightSpecs } from './weights';
import { SeededRandom } from '@lora-studio/onnx';

/** Linear weights ~ U(±1/sqrt(in)) (PyTorch's default), QK-norm gains near 1. */
export function randomFlux2Weights(config: Flux2Config, seed: number): Record<string, DenseTensor> {
  const rng = new SeededRandom(seed);
  const out: Record<string, DenseTensor> = {};
  for (const spec of flux2WeightSpecs(config)) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    if (spec.kind === 'scale') rng.fillUniform(data, 0.8, 1.2);
    else rng.fillUniform(data, -1 / Math.sqrt(spec.shape[1]!), 1 / Math.sqrt(spec.shape[1]!));
    out[spec.name] = { shape: spec.shape, data };
  }
  return out;
}
