// The rectified-flow objective (docs/flux2.md §Sampling, §Training objective): x_t = (1 − t)·x0 + t·ε, the model
// predicts v = ε − x0, loss = MSE. Timesteps t ∈ (0, 1); t = 1 is pure noise. FLUX.2's objective, and any other
// flow-matching family's.
import type { TimestepSampling } from '@lora-studio/api';
import type { RandomDraws, TrainingObjective } from './model-family';

/** The FLUX time shift t' = s·t / (1 + (s − 1)·t): s > 1 spends more steps at high noise (large images). */
export function shiftTimestep(t: number, shift: number): number {
  return (shift * t) / (1 + (shift - 1) * t);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Keep t strictly inside (0, 1): t = 0 would give the model nothing to denoise, t = 1 no image signal. */
const T_MIN = 1e-5;
const T_MAX = 1 - 1e-5;

export function sampleTimestep(rng: RandomDraws, sampling: TimestepSampling): number {
  let t: number;
  switch (sampling.kind) {
    case 'uniform':
      t = shiftTimestep(rng.uniform(), sampling.shift);
      break;
    case 'logit-normal':
      t = sigmoid(sampling.mean + sampling.std * rng.normal());
      break;
    case 'sigmoid':
      t = shiftTimestep(sigmoid(sampling.scale * rng.normal()), sampling.shift);
      break;
  }
  return Math.min(T_MAX, Math.max(T_MIN, t));
}

/**
 * Noisy inputs and velocity targets for a batch. `x0` and `noise` hold `t.length` samples of equal size,
 * back to back; each sample uses its own t.
 */
export function flowMatchingPair(x0: Float32Array, noise: Float32Array, t: readonly number[]): { xt: Float32Array; target: Float32Array } {
  if (x0.length !== noise.length) throw new Error(`Latents (${x0.length}) and noise (${noise.length}) differ in size.`);
  if (t.length === 0 || x0.length % t.length !== 0) throw new Error(`${x0.length} latent values cannot be split into ${t.length} samples.`);
  const per = x0.length / t.length;
  const xt = new Float32Array(x0.length);
  const target = new Float32Array(x0.length);
  for (let b = 0; b < t.length; b++) {
    const tb = t[b]!;
    for (let i = b * per; i < (b + 1) * per; i++) {
      xt[i] = (1 - tb) * x0[i]! + tb * noise[i]!;
      target[i] = noise[i]! - x0[i]!;
    }
  }
  return { xt, target };
}

export const FLOW_MATCHING: TrainingObjective = {
  predicts: 'velocity ε − x0',
  sampleTimestep,
  trainingPair: flowMatchingPair,
};
