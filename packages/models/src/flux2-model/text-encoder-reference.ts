// The FLUX.2 text encoder in plain float64 TypeScript, written from the model definitions (not from the graph), to
// check the engine graph against. Tiny models only: it is a direct triple loop.
import { contextWidth, layersBuilt, type Flux2TextEncoderConfig } from './text-encoder-config';
import { ropeTables } from './text-encoder-graph';

/** `w(name)` gives a weight's values (row-major, float64). Returns the context [L, picks × hidden]. */
export function referenceTextEncoder(c: Flux2TextEncoderConfig, w: (name: string) => Float64Array, ids: readonly number[], mask: readonly number[]): Float64Array {
  const L = ids.length;
  const D = c.hiddenSize;
  const hd = c.headDim;
  const rms = (x: Float64Array, at: number, n: number, g: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[at + i]! ** 2;
    const r = 1 / Math.sqrt(s / n + c.rmsEps);
    for (let i = 0; i < n; i++) x[at + i] = x[at + i]! * r * g[i]!;
  };
  const matmul = (x: Float64Array, rows: number, inDim: number, m: Float64Array, outDim: number) => {
    const y = new Float64Array(rows * outDim);
    for (let r = 0; r < rows; r++) for (let o = 0; o < outDim; o++) {
      let s = 0;
      for (let i = 0; i < inDim; i++) s += x[r * inDim + i]! * m[o * inDim + i]!;
      y[r * outDim + o] = s;
    }
    return y;
  };
  const embed = w('embed_tokens.weight');
  let h = new Float64Array(L * D);
  ids.forEach((id, t) => h.set(embed.subarray(id * D, (id + 1) * D), t * D));
  const { cos, sin } = ropeTables(c, L);
  const ropeInPlace = (x: Float64Array, n: number) => {
    for (let t = 0; t < L; t++) for (let hh = 0; hh < n; hh++) {
      const at = (t * n + hh) * hd;
      const v = x.slice(at, at + hd);
      for (let j = 0; j < hd; j++) {
        const rot = j < hd / 2 ? -v[j + hd / 2]! : v[j - hd / 2]!;
        x[at + j] = v[j]! * cos[t * hd + j]! + rot * sin[t * hd + j]!;
      }
    }
  };
  const out: Float64Array[] = [];
  for (let i = 0; i < layersBuilt(c); i++) {
    const p = `layers.${i}.`;
    const xa = h.slice();
    for (let t = 0; t < L; t++) rms(xa, t * D, D, w(`${p}input_layernorm.weight`));
    const q = matmul(xa, L, D, w(`${p}self_attn.q_proj.weight`), c.heads * hd);
    const k = matmul(xa, L, D, w(`${p}self_attn.k_proj.weight`), c.kvHeads * hd);
    const v = matmul(xa, L, D, w(`${p}self_attn.v_proj.weight`), c.kvHeads * hd);
    if (c.qkNorm) {
      for (let r = 0; r < L * c.heads; r++) rms(q, r * hd, hd, w(`${p}self_attn.q_norm.weight`));
      for (let r = 0; r < L * c.kvHeads; r++) rms(k, r * hd, hd, w(`${p}self_attn.k_norm.weight`));
    }
    ropeInPlace(q, c.heads);
    ropeInPlace(k, c.kvHeads);
    const attn = new Float64Array(L * c.heads * hd);
    const group = c.heads / c.kvHeads;
    for (let hh = 0; hh < c.heads; hh++) {
      const kh = Math.floor(hh / group);
      for (let t = 0; t < L; t++) {
        const logits: number[] = [];
        for (let s = 0; s < L; s++) {
          if (s > t || !mask[s]) { logits.push(-Infinity); continue; }
          let dot = 0;
          for (let j = 0; j < hd; j++) dot += q[(t * c.heads + hh) * hd + j]! * k[(s * c.kvHeads + kh) * hd + j]!;
          logits.push(dot / Math.sqrt(hd));
        }
        const m = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - m));
        const z = e.reduce((a, b) => a + b, 0);
        for (let s = 0; s < L; s++) {
          if (!e[s]) continue;
          for (let j = 0; j < hd; j++) attn[(t * c.heads + hh) * hd + j] += (e[s]! / z) * v[(s * c.kvHeads + kh) * hd + j]!;
        }
      }
    }
    const o = matmul(attn, L, c.heads * hd, w(`${p}self_attn.o_proj.weight`), D);
    for (let n = 0; n < h.length; n++) h[n] = h[n]! + o[n]!;
    const xm = h.slice();
    for (let t = 0; t < L; t++) rms(xm, t * D, D, w(`${p}post_attention_layernorm.weight`));
    const M = c.intermediateSize;
    const gate = matmul(xm, L, D, w(`${p}mlp.gate_proj.weight`), M);
    const up = matmul(xm, L, D, w(`${p}mlp.up_proj.weight`), M);
    for (let n = 0; n < gate.length; n++) gate[n] = (gate[n]! / (1 + Math.exp(-gate[n]!))) * up[n]!;
    const down = matmul(gate, L, M, w(`${p}mlp.down_proj.weight`), D);
    h = h.map((val, n) => val + down[n]!);
    if (c.picks.includes(i + 1)) {
      const state = h.slice();
      if (i + 1 === c.layers) for (let t = 0; t < L; t++) rms(state, t * D, D, w('norm.weight'));
      out.push(state);
    }
  }
  const width = contextWidth(c);
  const context = new Float64Array(L * width);
  for (let t = 0; t < L; t++) out.forEach((s, k) => context.set(s.subarray(t * D, (t + 1) * D), t * width + k * D));
  return context;
}
