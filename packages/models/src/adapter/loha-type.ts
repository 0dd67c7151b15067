// LoHa (LyCORIS "loha", FedPara): ΔW = (alpha / rank) · (W1a·W1b) ⊙ (W2a·W2b), with hada_w?_a [out, rank] and
// hada_w?_b [rank, in]. Its rank-r factors reach rank r² through the elementwise product.
import { matmul, mul, type Tensor } from '@lora-studio/onnx';
import type { AdapterLayer, AdapterType, FactoredLayer } from './adapter-type';

const ROLES = ['hada_w1_a', 'hada_w1_b', 'hada_w2_a', 'hada_w2_b'] as const;

function factored(layer: AdapterLayer): FactoredLayer {
  if (!('kind' in layer) || layer.kind !== 'loha') throw new Error(`Layer ${layer.path} is not a LoHa adapter.`);
  return layer;
}

/** a [out, r] · b [r, in] in float64. */
function product(a: Float32Array, b: Float32Array, out: number, r: number, inDim: number): Float64Array {
  const p = new Float64Array(out * inDim);
  for (let o = 0; o < out; o++) for (let k = 0; k < r; k++) {
    const v = a[o * r + k]!;
    if (v === 0) continue;
    for (let i = 0; i < inDim; i++) p[o * inDim + i]! += v * b[k * inDim + i]!;
  }
  return p;
}

export const LOHA_ADAPTER: AdapterType = {
  kind: 'loha',
  label: 'LoHa (Hadamard product)',
  networkArgs: { algo: 'loha' },
  roles: ROLES,
  fromFile(path, t, alpha) {
    const [w1a, w1b, w2a, w2b] = ROLES.map((r) => t[r]?.shape);
    if (!w1a || !w1b || !w2a || !w2b || w1a[1] !== w1b[0] || w2a[1] !== w2b[0] || w1a[0] !== w2a[0] || w1b[1] !== w2b[1] || w1a[1] !== w2a[1]) {
      return `LoHa layer ${path} needs hada_w1_a, hada_w1_b, hada_w2_a and hada_w2_b of agreeing shapes ([out, r] and [r, in]).`;
    }
    return { kind: 'loha', path, inDim: w1b[1]!, outDim: w1a[0]!, rank: w1a[1]!, alpha: alpha ?? w1a[1]!, tensors: t };
  },
  tensors: (t, s) => ROLES.map((role) => ({ role, shape: role.endsWith('_a') ? [t.outDim, s.rank] : [s.rank, t.inDim] })),
  // LyCORIS's start: both b factors standard normal, W1a normal with std 0.1, W2a zero, so ΔW = 0 while both
  // products still pass gradient.
  init(t, s, rng) {
    const [w1a, w1b, w2a, w2b] = this.tensors(t, s).map((spec) => new Float32Array(spec.shape[0]! * spec.shape[1]!));
    rng.fillNormal(w1b!, 1);
    rng.fillNormal(w1a!, 0.1);
    rng.fillNormal(w2b!, 1);
    return [w1a!, w1b!, w2a!, w2b!];
  },
  dims: (shapes) => ({ inDim: shapes.hada_w1_b![1]!, outDim: shapes.hada_w1_a![0]! }),
  layer(t, s, values) {
    const tensors = Object.fromEntries(this.tensors(t, s).map((spec, i) => [spec.role, { shape: spec.shape, data: values[i]! }]));
    return { kind: 'loha', path: t.path, inDim: t.inDim, outDim: t.outDim, rank: s.rank, alpha: s.alpha, tensors };
  },
  scale: (layer) => layer.alpha / layer.rank,
  graphLayer([w1a, w1b, w2a, w2b], scale) {
    const hadamard = mul(matmul(w1a!, w1b!), matmul(w2a!, w2b!));
    return { weight: scale === 1 ? hadamard : mul(hadamard, scale as Tensor | number) };
  },
  delta(layer) {
    const l = factored(layer);
    const t = l.tensors;
    const r = t.hada_w1_a!.shape[1]!;
    const r2 = t.hada_w2_a!.shape[1]!;
    const p1 = product(t.hada_w1_a!.data, t.hada_w1_b!.data, l.outDim, r, l.inDim);
    const p2 = product(t.hada_w2_a!.data, t.hada_w2_b!.data, l.outDim, r2, l.inDim);
    const s = this.scale(l);
    for (let i = 0; i < p1.length; i++) p1[i] = p1[i]! * p2[i]! * s;
    return p1;
  },
  fileTensors: (layer) => ROLES.map((role) => ({ role, ...factored(layer).tensors[role]! })),
};
