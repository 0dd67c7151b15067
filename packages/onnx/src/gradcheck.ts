// Float64 central finite differences against the graph's analytic gradients. Used by the rule tests,
// the end-to-end test and the selftest. Runs with onnxruntime optimisations disabled so float64 stays exact.

import * as ort from 'onnxruntime-node';
import { gradients } from './autodiff';
import type { Graph, Tensor } from './graph';
import { serializeGraph } from './serialize';
import { createSession } from './session';
import { SeededRandom } from './seeded-random';

export interface GradCheckResult {
  /** Per checked tensor: max |analytic − numeric| / max(max |numeric|, 1e-6). */
  relError: Record<string, number>;
  maxRelError: number;
  checkedElements: number;
}

export interface GradCheckOptions {
  step?: number;
  /** Check at most this many elements per tensor (spread evenly); default all. */
  maxElementsPerTensor?: number;
}

/**
 * `loss` is a scalar; `wrt` are graph inputs of the loss's dtype; `feeds` holds a value for every graph input.
 * Use float64 (step 1e-4). float32 is only meaningful for functions linear in the checked input (Conv), with a
 * large step, where central differences have no truncation error.
 */
export async function checkGradients(
  loss: Tensor,
  wrt: readonly Tensor[],
  feeds: Record<string, ort.Tensor>,
  opts: GradCheckOptions = {},
): Promise<GradCheckResult> {
  const g: Graph = loss.graph;
  const grads = gradients(loss, wrt);
  const model = serializeGraph(g, { outputs: [loss, ...grads] });
  const forward = serializeGraph(g, { outputs: [loss] });
  const full = await createSession(model, { providers: ['cpu'], optimization: 'disabled', threads: 1 });
  const fwd = await createSession(forward, { providers: ['cpu'], optimization: 'disabled', threads: 1 });
  const { outputs } = await full.run(feeds);
  const h = opts.step ?? 1e-4;
  const relError: Record<string, number> = {};
  let checkedElements = 0;
  for (let k = 0; k < wrt.length; k++) {
    const w = wrt[k];
    if (w.kind !== 'input' || w.dtype !== loss.dtype) throw new Error(`checkGradients: '${w.name}' must be a ${loss.dtype} graph input.`);
    const analytic = outputs[grads[k].name].data as Float64Array;
    const base = feeds[w.name];
    const values = Float64Array.from(base.data as Float64Array);
    const typed = (v: Float64Array) => (w.dtype === 'float32' ? Float32Array.from(v) : v);
    const n = values.length;
    const stride = Math.max(1, Math.floor(n / (opts.maxElementsPerTensor ?? n)));
    let maxDiff = 0;
    let maxNumeric = 0;
    for (let i = 0; i < n; i += stride) {
      const lossAt = async (v: number) => {
        const copy = Float64Array.from(values);
        copy[i] = v;
        const r = await fwd.run({ ...feeds, [w.name]: new ort.Tensor(w.dtype as 'float64', typed(copy), base.dims) });
        return Number(r.outputs[loss.name].data[0]);
      };
      const numeric = ((await lossAt(values[i] + h)) - (await lossAt(values[i] - h))) / (2 * h);
      maxDiff = Math.max(maxDiff, Math.abs(analytic[i] - numeric));
      maxNumeric = Math.max(maxNumeric, Math.abs(numeric));
      checkedElements++;
    }
    relError[w.name] = maxDiff / Math.max(maxNumeric, 1e-6);
  }
  await full.release();
  await fwd.release();
  return { relError, maxRelError: Math.max(0, ...Object.values(relError)), checkedElements };
}

/** Deterministic pseudo-random numbers in [-1, 1), for test data that is the same on every run. */
export function seededValues(n: number, seed: number): Float64Array {
  return new SeededRandom(seed).fillUniform(new Float64Array(n), -1, 1) as Float64Array;
}
