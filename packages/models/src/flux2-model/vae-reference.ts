// The FLUX.2 VAE in plain float64 TypeScript, written from the model definition, to check the engine graphs
// against. Tiny images only (direct convolution loops).
import type { VaeConfig } from './vae-config';

type Weights = (name: string) => Float64Array;

interface Map3 { c: number; h: number; w: number; data: Float64Array }

function conv2d(x: Map3, weight: Float64Array, bias: Float64Array, cout: number, k: number, stride: number, padBefore: number, padAfter: number): Map3 {
  const h = Math.floor((x.h + padBefore + padAfter - k) / stride) + 1;
  const w = Math.floor((x.w + padBefore + padAfter - k) / stride) + 1;
  const out = new Float64Array(cout * h * w);
  for (let o = 0; o < cout; o++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) {
    let s = bias[o]!;
    for (let ci = 0; ci < x.c; ci++) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
      const y = i * stride + a - padBefore;
      const xx = j * stride + b - padBefore;
      if (y < 0 || xx < 0 || y >= x.h || xx >= x.w) continue;
      s += weight[((o * x.c + ci) * k + a) * k + b]! * x.data[(ci * x.h + y) * x.w + xx]!;
    }
    out[(o * h + i) * w + j] = s;
  }
  return { c: cout, h, w, data: out };
}

function groupNorm(x: Map3, groups: number, gamma: Float64Array, beta: Float64Array): Map3 {
  const per = (x.c / groups) * x.h * x.w;
  const out = new Float64Array(x.data.length);
  for (let g = 0; g < groups; g++) {
    const part = x.data.subarray(g * per, (g + 1) * per);
    const mean = part.reduce((a, b) => a + b, 0) / per;
    const variance = part.reduce((a, b) => a + (b - mean) ** 2, 0) / per;
    for (let n = 0; n < per; n++) {
      const ch = Math.floor((g * per + n) / (x.h * x.w));
      out[g * per + n] = ((part[n]! - mean) / Math.sqrt(variance + 1e-6)) * gamma[ch]! + beta[ch]!;
    }
  }
  return { ...x, data: out };
}

const silu = (x: Map3): Map3 => ({ ...x, data: x.data.map((v) => v / (1 + Math.exp(-v))) });
const plus = (a: Map3, b: Map3): Map3 => ({ ...a, data: a.data.map((v, i) => v + b.data[i]!) });

function blocks(c: VaeConfig, W: Weights) {
  const conv = (x: Map3, p: string, k: number, stride = 1, before = (k - 1) / 2, after = before) =>
    conv2d(x, W(`${p}.weight`), W(`${p}.bias`), W(`${p}.bias`).length, k, stride, before, after);
  const gn = (x: Map3, p: string) => groupNorm(x, c.normGroups, W(`${p}.weight`), W(`${p}.bias`));
  const resnet = (x: Map3, p: string) => {
    let h = conv(silu(gn(x, `${p}.norm1`)), `${p}.conv1`, 3);
    h = conv(silu(gn(h, `${p}.norm2`)), `${p}.conv2`, 3);
    return plus(h.c === x.c ? x : conv(x, `${p}.conv_shortcut`, 1), h);
  };
  const attn = (x: Map3, p: string) => {
    const n = x.h * x.w;
    const normed = gn(x, `${p}.group_norm`);
    const proj = (src: Float64Array, name: string) => {
      // src is [C, n] (channel-major); result [C, n]
      const w = W(`${p}.${name}.weight`);
      const b = W(`${p}.${name}.bias`);
      const out = new Float64Array(x.c * n);
      for (let o = 0; o < x.c; o++) for (let t = 0; t < n; t++) {
        let s = b[o]!;
        for (let i = 0; i < x.c; i++) s += w[o * x.c + i]! * src[i * n + t]!;
        out[o * n + t] = s;
      }
      return out;
    };
    const q = proj(normed.data, 'to_q');
    const k = proj(normed.data, 'to_k');
    const v = proj(normed.data, 'to_v');
    const a = new Float64Array(x.c * n);
    for (let t = 0; t < n; t++) {
      const logits = Array.from({ length: n }, (_, s) => {
        let d = 0;
        for (let i = 0; i < x.c; i++) d += q[i * n + t]! * k[i * n + s]!;
        return d / Math.sqrt(x.c);
      });
      const m = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - m));
      const z = e.reduce((p2, q2) => p2 + q2, 0);
      for (let i = 0; i < x.c; i++) a[i * n + t] = e.reduce((acc, ev, s) => acc + (ev / z) * v[i * n + s]!, 0);
    }
    return plus(x, { ...x, data: proj(a, 'to_out.0') });
  };
  const middle = (x: Map3, p: string) => resnet(attn(resnet(x, `${p}.mid_block.resnets.0`), `${p}.mid_block.attentions.0`), `${p}.mid_block.resnets.1`);
  return { conv, gn, resnet, middle };
}

/** image [3, H, W] in [-1, 1] → latent mean [latent, H/8, W/8]. */
export function referenceVaeEncode(c: VaeConfig, W: Weights, image: Float64Array, height: number, width: number): Float64Array {
  const b = blocks(c, W);
  let h = b.conv({ c: 3, h: height, w: width, data: image }, 'encoder.conv_in', 3);
  c.blockOutChannels.forEach((_, i) => {
    for (let j = 0; j < c.layersPerBlock; j++) h = b.resnet(h, `encoder.down_blocks.${i}.resnets.${j}`);
    if (i < c.blockOutChannels.length - 1) h = b.conv(h, `encoder.down_blocks.${i}.downsamplers.0.conv`, 3, 2, 0, 1);
  });
  h = b.middle(h, 'encoder');
  h = b.conv(silu(b.gn(h, 'encoder.conv_norm_out')), 'encoder.conv_out', 3);
  const moments = b.conv(h, 'quant_conv', 1);
  return moments.data.slice(0, c.latentChannels * moments.h * moments.w);
}

/** latent [latent, h, w] → image [3, 8h, 8w]. */
export function referenceVaeDecode(c: VaeConfig, W: Weights, latent: Float64Array, height: number, width: number): Float64Array {
  const b = blocks(c, W);
  let h = b.conv(b.conv({ c: c.latentChannels, h: height, w: width, data: latent }, 'post_quant_conv', 1), 'decoder.conv_in', 3);
  h = b.middle(h, 'decoder');
  const levels = c.blockOutChannels.length;
  for (let i = 0; i < levels; i++) {
    for (let j = 0; j <= c.layersPerBlock; j++) h = b.resnet(h, `decoder.up_blocks.${i}.resnets.${j}`);
    if (i < levels - 1) {
      const up = new Float64Array(h.c * 4 * h.h * h.w);
      for (let ch = 0; ch < h.c; ch++) for (let y = 0; y < 2 * h.h; y++) for (let x = 0; x < 2 * h.w; x++) {
        up[(ch * 2 * h.h + y) * 2 * h.w + x] = h.data[(ch * h.h + (y >> 1)) * h.w + (x >> 1)]!;
      }
      h = b.conv({ c: h.c, h: 2 * h.h, w: 2 * h.w, data: up }, `decoder.up_blocks.${i}.upsamplers.0.conv`, 3);
    }
  }
  return b.conv(silu(b.gn(h, 'decoder.conv_norm_out')), 'decoder.conv_out', 3).data;
}
