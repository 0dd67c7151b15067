// FLUX.2's sampling schedule (docs/flux2.md §Sampling): t = linspace(1, 0, steps + 1), shifted towards
// high noise by an amount mu that grows with the image token count (and, for small images, with the steps).

/** Empirical shift: linear in the token count, interpolated between fits for 10 and 200 steps below 4300 tokens. */
export function flux2ScheduleMu(imageTokens: number, steps: number): number {
  const mu200 = 0.00016927 * imageTokens + 0.45666666;
  if (imageTokens > 4300) return mu200;
  const mu10 = 8.73809524e-5 * imageTokens + 1.89833333;
  const slope = (mu200 - mu10) / 190;
  return mu200 + (steps - 200) * slope;
}

/** t' = e^mu / (e^mu + (1/t − 1)); keeps 0 and 1 fixed. */
export function shiftTime(t: number, mu: number): number {
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return Math.exp(mu) / (Math.exp(mu) + (1 / t - 1));
}

/** steps + 1 times from 1 down to 0. */
export function flux2Timesteps(steps: number, imageTokens: number): number[] {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`Sampling needs at least one step (got ${steps}).`);
  const mu = flux2ScheduleMu(imageTokens, steps);
  return Array.from({ length: steps + 1 }, (_, i) => shiftTime(1 - i / steps, mu));
}
