// A plain TypeScript FLUX.2 forward pass in float64, written literally from the spec's pseudocode
// (attention over cat(txt, img), single blocks on the concatenated sequence, slicing back). It is slow
// and exists only so tests can check the ONNX graph, which is organised differently, against it.
import { mlpHidden, type Flux2Config } from './config';

type Weights = (name: string) => Float64Array;

/** Row-major matrix [rows, cols]. */
interface Mat {
  rows: number;
  cols: number;
  d: Float64Array<ArrayBufferLike>;
}

const mat = (rows: number, cols: number, d: Float64Array = new Float64Array(rows * cols)): Mat => ({ rows, cols, d });

function linear(x: Mat, w: Float64Array, out: number): Mat {
  const y = mat(x.rows, out);
  for (let r = 0; r < x.rows; r++) {
    for (let o = 0; o < out; o++) {
      let s = 0;
      for (let i = 0; i < x.cols; i++) s += x.d[r * x.cols + i]! * w[o * x.cols + i]!;
      y.d[r * out + o] = s;
    }
  }
  return y;
}

const silu = (v: number) => v / (1 + Math.exp(-v));
const cols = (x: Mat, from: number, to: number): Mat => {
  const y = mat(x.rows, to - from);
  for (let r = 0; r < x.rows; r++) for (let c = from; c < to; c++) y.d[r * y.cols + c - from] = x.d[r * x.cols + c]!;
  return y;
};
const rowsOf = (x: Mat, from: number, to: number): Mat => mat(to - from, x.cols, x.d.slice(from * x.cols, to * x.cols));
const catRows = (a: Mat, b: Mat): Mat => {
  const d = new Float64Array(a.d.length + b.d.length);
  d.set(a.d);
  d.set(b.d, a.d.length);
  return mat(a.rows + b.rows, a.cols, d);
};
const catCols = (a: Mat, b: Mat): Mat => {
  const y = mat(a.rows, a.cols + b.cols);
  for (let r = 0; r < a.rows; r++) {
    for (let c = 0; c < a.cols; c++) y.d[r * y.cols + c] = a.d[r * a.cols + c]!;
    for (let c = 0; c < b.cols; c++) y.d[r * y.cols + a.cols + c] = b.d[r * b.cols + c]!;
  }
  return y;
};
const map2 = (a: Mat, f: (v: number, r: number, c: number) => number): Mat => mat(a.rows, a.cols, a.d.map((v, i) => f(v, Math.floor(i / a.cols), i % a.cols)));

function layerNorm(x: Mat, eps: number): Mat {
  const y = mat(x.rows, x.cols);
  for (let r = 0; r < x.rows; r++) {
    let mean = 0;
    for (let c = 0; c < x.cols; c++) mean += x.d[r * x.cols + c]!;
    mean /= x.cols;
    let v = 0;
    for (let c = 0; c < x.cols; c++) v += (x.d[r * x.cols + c]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / x.cols + eps);
    for (let c = 0; c < x.cols; c++) y.d[r * x.cols + c] = (x.d[r * x.cols + c]! - mean) * inv;
  }
  return y;
}

/** vec-row modulation: (1 + scale) · LN(x) + shift. */
const modulate = (x: Mat, shift: Float64Array, scale: Float64Array, eps: number) => map2(layerNorm(x, eps), (v, _r, c) => v * (1 + scale[c]!) + shift[c]!);

/** One batch element. ids are [T, 4]; returns [N, outChannels]. */
export function referenceFlux2Forward(
  c: Flux2Config, W: Weights,
  x: { img: Float64Array; imgIds: Float64Array; txt: Float64Array; txtIds: Float64Array; t: number; guidance?: number },
  lora?: (path: string) => { down: Float64Array; up: Float64Array; rank: number; scale: number } | undefined,
): Float64Array {
  const D = c.hiddenSize;
  const M = mlpHidden(c);
  const H = c.numHeads;
  const hd = c.headDim;
  const N = x.img.length / c.inChannels;
  const L = x.txt.length / c.contextDim;
  const lin = (path: string, input: Mat, out: number) => {
    const y = linear(input, W(`${path}.weight`), out);
    const l = lora?.(path);
    if (!l) return y;
    const low = linear(linear(input, l.down, l.rank), l.up, out);
    return map2(y, (v, r, col) => v + l.scale * low.d[r * out + col]!);
  };
  const sinus = (v: number, dim: number) => {
    const half = dim / 2;
    const e = mat(1, dim);
    for (let j = 0; j < half; j++) {
      const a = 1000 * v * Math.exp((-Math.log(10000) * j) / half);
      e.d[j] = Math.cos(a);
      e.d[half + j] = Math.sin(a);
    }
    return e;
  };
  const mlpEmbed = (prefix: string, v: number) => lin(`${prefix}.out_layer`, map2(lin(`${prefix}.in_layer`, sinus(v, c.timestepDim), D), silu), D);
  let vec = mlpEmbed('time_in', x.t);
  if (c.guidanceEmbed) {
    const gv = mlpEmbed('guidance_in', x.guidance!);
    vec = map2(vec, (v, _r, col) => v + gv.d[col]!);
  }
  const sv = map2(vec, silu);
  const chunks = (path: string, n: number) => {
    const y = lin(path, sv, n * D).d;
    return Array.from({ length: n }, (_, i) => y.slice(i * D, (i + 1) * D));
  };

  // RoPE angles per token [T, hd/2] for ids = cat(txt_ids, img_ids).
  const ids = new Float64Array([...x.txtIds, ...x.imgIds]);
  const S = L + N;
  const angles = new Float64Array(S * (hd / 2));
  for (let s = 0; s < S; s++) {
    let k = 0;
    c.ropeAxesDims.forEach((d, axis) => {
      for (let j = 0; j < d / 2; j++) angles[s * (hd / 2) + k++] = ids[s * 4 + axis]! * c.ropeTheta ** ((-2 * j) / d);
    });
  }
  type Gains = (token: number) => Float64Array;
  const rmsRope = (q: Mat, h: number, gains: Gains) => {
    // q: [S, D] with heads laid out (H, hd); RMS-normalise head h with the token's stream gains, rotate pairs.
    const out = new Float64Array(S * hd);
    for (let s = 0; s < S; s++) {
      const scale = gains(s);
      let ms = 0;
      for (let i = 0; i < hd; i++) ms += q.d[s * D + h * hd + i]! ** 2;
      const inv = 1 / Math.sqrt(ms / hd + 1e-6);
      for (let k = 0; k < hd / 2; k++) {
        const x0 = q.d[s * D + h * hd + 2 * k]! * inv * scale[2 * k]!;
        const x1 = q.d[s * D + h * hd + 2 * k + 1]! * inv * scale[2 * k + 1]!;
        const a = angles[s * (hd / 2) + k]!;
        out[s * hd + 2 * k] = Math.cos(a) * x0 - Math.sin(a) * x1;
        out[s * hd + 2 * k + 1] = Math.sin(a) * x0 + Math.cos(a) * x1;
      }
    }
    return out;
  };
  const attention = (q: Mat, k: Mat, v: Mat, qScale: Gains, kScale: Gains): Mat => {
    const out = mat(S, D);
    for (let h = 0; h < H; h++) {
      const qh = rmsRope(q, h, qScale);
      const kh = rmsRope(k, h, kScale);
      for (let i = 0; i < S; i++) {
        const logits = new Float64Array(S);
        let max = -Infinity;
        for (let j = 0; j < S; j++) {
          let dot = 0;
          for (let e = 0; e < hd; e++) dot += qh[i * hd + e]! * kh[j * hd + e]!;
          logits[j] = dot / Math.sqrt(hd);
          max = Math.max(max, logits[j]!);
        }
        let sum = 0;
        for (let j = 0; j < S; j++) sum += logits[j] = Math.exp(logits[j]! - max);
        for (let e = 0; e < hd; e++) {
          let acc = 0;
          for (let j = 0; j < S; j++) acc += (logits[j]! / sum) * v.d[j * D + h * hd + e]!;
          out.d[i * D + h * hd + e] = acc;
        }
      }
    }
    return out;
  };
  const swiglu = (h: Mat) => {
    const gate = cols(h, 0, M);
    const up = cols(h, M, 2 * M);
    return map2(gate, (v, r, col) => silu(v) * up.d[r * M + col]!);
  };
  const gated = (x0: Mat, gate: Float64Array, y: Mat) => map2(x0, (v, r, col) => v + gate[col]! * y.d[r * D + col]!);

  let img = lin('img_in', mat(N, c.inChannels, x.img), D);
  let txt = lin('txt_in', mat(L, c.contextDim, x.txt), D);
  const mi = c.numDoubleBlocks ? chunks('double_stream_modulation_img.lin', 6) : [];
  const mt = c.numDoubleBlocks ? chunks('double_stream_modulation_txt.lin', 6) : [];
  const ms = c.numSingleBlocks ? chunks('single_stream_modulation.lin', 3) : [];
  for (let b = 0; b < c.numDoubleBlocks; b++) {
    const p = `double_blocks.${b}`;
    const qi = lin(`${p}.img_attn.qkv`, modulate(img, mi[0]!, mi[1]!, c.eps), 3 * D);
    const qt = lin(`${p}.txt_attn.qkv`, modulate(txt, mt[0]!, mt[1]!, c.eps), 3 * D);
    const q = catRows(cols(qt, 0, D), cols(qi, 0, D));
    const k = catRows(cols(qt, D, 2 * D), cols(qi, D, 2 * D));
    const v = catRows(cols(qt, 2 * D, 3 * D), cols(qi, 2 * D, 3 * D));
    // Each stream normalises its own queries and keys: tokens < L are text.
    const stream = (kind: string) => (s: number) => W(`${p}.${s < L ? 'txt' : 'img'}_attn.norm.${kind}.scale`);
    const a = attention(q, k, v, stream('query_norm'), stream('key_norm'));
    img = gated(img, mi[2]!, lin(`${p}.img_attn.proj`, rowsOf(a, L, S), D));
    img = gated(img, mi[5]!, lin(`${p}.img_mlp.2`, swiglu(lin(`${p}.img_mlp.0`, modulate(img, mi[3]!, mi[4]!, c.eps), 2 * M)), D));
    txt = gated(txt, mt[2]!, lin(`${p}.txt_attn.proj`, rowsOf(a, 0, L), D));
    txt = gated(txt, mt[5]!, lin(`${p}.txt_mlp.2`, swiglu(lin(`${p}.txt_mlp.0`, modulate(txt, mt[3]!, mt[4]!, c.eps), 2 * M)), D));
  }
  let h = catRows(txt, img);
  for (let b = 0; b < c.numSingleBlocks; b++) {
    const p = `single_blocks.${b}`;
    const y = lin(`${p}.linear1`, modulate(h, ms[0]!, ms[1]!, c.eps), 3 * D + 2 * M);
    const qGains = W(`${p}.norm.query_norm.scale`);
    const kGains = W(`${p}.norm.key_norm.scale`);
    const a = attention(cols(y, 0, D), cols(y, D, 2 * D), cols(y, 2 * D, 3 * D), () => qGains, () => kGains);
    h = gated(h, ms[2]!, lin(`${p}.linear2`, catCols(a, swiglu(cols(y, 3 * D, 3 * D + 2 * M))), D));
  }
  const [shift, scale] = chunks('final_layer.adaLN_modulation.1', 2);
  return lin('final_layer.linear', modulate(rowsOf(h, L, S), shift!, scale!, c.eps), c.outChannels).d;
}
