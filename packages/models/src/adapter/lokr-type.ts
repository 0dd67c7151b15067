// LoKr (LyCORIS "kron"): ΔW = scale · kron(W1, W2), W1 [outL, inM] and W2 [outK, inN] with out = outL·outK and
// in = inM·inN. W2 is low rank (lokr_w2_a [outK, rank] · lokr_w2_b [rank, inN]) when the rank is below half of
// W2's larger side, else a full matrix (then the scale is 1 whatever alpha says, as LyCORIS and ComfyUI apply it).
import { matmul, mul, reshape, type SeededRandom, type Tensor } from '@lora-studio/onnx';
import type { AdapterLayer, AdapterSettings, AdapterTarget, AdapterType, FactoredLayer } from './adapter-type';

/**
 * `dimension` = m · n with m ≤ n: with factor > 0 dividing it, m is the factor; otherwise the most balanced split
 * whose smaller side stays ≤ factor (−1: no bound). The same rule LyCORIS uses, so our files match its shapes.
 */
export function lokrFactorization(dimension: number, factor = -1): [number, number] {
  if (factor > 0 && dimension % factor === 0) {
    const other = dimension / factor;
    return factor <= other ? [factor, other] : [other, factor];
  }
  const bound = factor < 0 ? dimension : factor;
  let m = 1;
  let n = dimension;
  while (m < n) {
    let next = m + 1;
    while (dimension % next !== 0) next++;
    const nextN = dimension / next;
    if (next + nextN > m + n || next > bound) break;
    m = next;
    n = nextN;
  }
  return m <= n ? [m, n] : [n, m];
}

/** The shapes of a layer's LoKr factors, and whether W2 is stored low rank. */
export function lokrShapes(t: AdapterTarget, s: AdapterSettings) {
  const [outL, outK] = lokrFactorization(t.outDim, s.lokrFactor ?? -1);
  const [inM, inN] = lokrFactorization(t.inDim, s.lokrFactor ?? -1);
  return { w1: [outL, inM], w2: [outK, inN], lowRank: s.rank < Math.max(outK, inN) / 2 };
}

function factored(layer: AdapterLayer): FactoredLayer {
  if (!('kind' in layer) || layer.kind !== 'lokr') throw new Error(`Layer ${layer.path} is not a LoKr adapter.`);
  return layer;
}

/** W2 as a full [outK, inN] matrix in float64. */
function fullW2(l: FactoredLayer): { values: Float64Array; rows: number; cols: number } {
  const t = l.tensors;
  if (t.lokr_w2) return { values: Float64Array.from(t.lokr_w2.data), rows: t.lokr_w2.shape[0]!, cols: t.lokr_w2.shape[1]! };
  const a = t.lokr_w2_a!;
  const b = t.lokr_w2_b!;
  const [rows, r] = a.shape as [number, number];
  const cols = b.shape[1]!;
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let k = 0; k < r; k++) {
    const v = a.data[i * r + k]!;
    for (let j = 0; j < cols; j++) values[i * cols + j]! += v * b.data[k * cols + j]!;
  }
  return { values, rows, cols };
}

export const LOKR_ADAPTER: AdapterType = {
  kind: 'lokr',
  label: 'LoKr (Kronecker product)',
  networkArgs: { algo: 'lokr' },
  roles: ['lokr_w1', 'lokr_w2', 'lokr_w2_a', 'lokr_w2_b'],
  fromFile(path, t, alpha) {
    const w1 = t.lokr_w1;
    const w2 = t.lokr_w2 ? t.lokr_w2.shape : t.lokr_w2_a && t.lokr_w2_b ? [t.lokr_w2_a.shape[0]!, t.lokr_w2_b.shape[1]!] : undefined;
    if (!w1 || !w2 || (t.lokr_w2_a && t.lokr_w2_a.shape[1] !== t.lokr_w2_b?.shape[0])) {
      return `LoKr layer ${path} needs lokr_w1 and either lokr_w2 or lokr_w2_a with a matching lokr_w2_b.`;
    }
    // A full W2 is applied unscaled (LyCORIS stores alpha = its dim there); the rank reported is that alpha.
    const rank = t.lokr_w2_a ? t.lokr_w2_a.shape[1]! : Math.max(1, Math.round(alpha ?? 1));
    return { kind: 'lokr', path, outDim: w1.shape[0]! * w2[0]!, inDim: w1.shape[1]! * w2[1]!, rank, alpha: alpha ?? rank, tensors: t };
  },
  tensors(t, s) {
    const { w1, w2, lowRank } = lokrShapes(t, s);
    return lowRank
      ? [{ role: 'lokr_w1', shape: w1 }, { role: 'lokr_w2_a', shape: [w2[0]!, s.rank] }, { role: 'lokr_w2_b', shape: [s.rank, w2[1]!] }]
      : [{ role: 'lokr_w1', shape: w1 }, { role: 'lokr_w2', shape: w2 }];
  },
  // LyCORIS's start: W1 and W2's first factor Kaiming-uniform (bound 1/sqrt(fan-in)), the last factor 0, so ΔW = 0.
  init(t, s, rng: SeededRandom) {
    return this.tensors(t, s).map((spec, i, all) => {
      const values = new Float32Array(spec.shape[0]! * spec.shape[1]!);
      if (i < all.length - 1) rng.fillUniform(values, -1 / Math.sqrt(spec.shape[1]!), 1 / Math.sqrt(spec.shape[1]!));
      return values;
    });
  },
  dims(shapes) {
    const w1 = shapes.lokr_w1!;
    const w2 = shapes.lokr_w2 ?? [shapes.lokr_w2_a![0]!, shapes.lokr_w2_b![1]!];
    return { outDim: w1[0]! * w2[0]!, inDim: w1[1]! * w2[1]! };
  },
  layer(t, s, values) {
    const specs = this.tensors(t, s);
    const tensors = Object.fromEntries(specs.map((spec, i) => [spec.role, { shape: spec.shape, data: values[i]! }]));
    const { lowRank } = lokrShapes(t, s);
    return { kind: 'lokr', path: t.path, inDim: t.inDim, outDim: t.outDim, rank: s.rank, alpha: lowRank ? s.alpha : s.rank, tensors };
  },
  scale: (layer) => (factored(layer).tensors.lokr_w2 ? 1 : layer.alpha / layer.rank),
  graphLayer(tensors, scale) {
    const w1 = tensors[0]!;
    const w2 = tensors.length === 2 ? tensors[1]! : matmul(tensors[1]!, tensors[2]!);
    const [a, b] = w1.shape as [number, number];
    const [c, d] = w2.shape as [number, number];
    // kron(W1, W2)[i·c + k, j·d + l] = W1[i, j] · W2[k, l]: broadcast [a,1,b,1] × [1,c,1,d], then flatten.
    const kron = reshape(mul(reshape(w1, [a, 1, b, 1]), reshape(w2, [1, c, 1, d])), [a * c, b * d]);
    return { weight: scale === 1 ? kron : mul(kron, scale as Tensor | number) };
  },
  delta(layer) {
    const l = factored(layer);
    const w1 = l.tensors.lokr_w1!;
    const [a, b] = w1.shape as [number, number];
    const w2 = fullW2(l);
    const s = this.scale(l);
    const out = new Float64Array(l.outDim * l.inDim);
    for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) {
      const v = w1.data[i * b + j]! * s;
      for (let k = 0; k < w2.rows; k++) for (let m = 0; m < w2.cols; m++) {
        out[(i * w2.rows + k) * l.inDim + j * w2.cols + m] = v * w2.values[k * w2.cols + m]!;
      }
    }
    return out;
  },
  fileTensors: (layer) => Object.entries(factored(layer).tensors).map(([role, t]) => ({ role, shape: t.shape, data: t.data })),
};
