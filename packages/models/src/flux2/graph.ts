// The FLUX.2 transformer as an ONNX graph, exactly as docs/flux2.md §Transformer describes it, for any config.
//
// The text and image streams stay separate tensors through the double blocks: only keys and values are
// concatenated for the joint attention, and the text and image queries attend separately (the same arithmetic as
// attention over cat(txt, img) followed by a split). The single blocks run on the joined sequence; the join and the
// split back read token counts at run time where they are symbolic, so batch, text length and image token count can
// all stay symbolic and one graph serves every bucket.
import {
  add, attention, concat, cos, layerNorm, linear, linearJoined, linearRows, loraLinear, mul, reshape, rmsNorm, rotaryEmbedding, silu, sin, slice, split, splitAs,
  transpose, unsqueeze, type DType, type Dim, type Graph, type Tensor,
} from '@lora-studio/onnx';
import { mlpHidden, type Flux2Config } from './config';
import type { RowMapping } from './naming';

export interface Flux2Inputs {
  /** Patchified latents [B, N, inChannels]. */
  img: Tensor;
  /** Position ids (t, h, w, l) per image token [B, N, 4], as floats. */
  imgIds: Tensor;
  /** Text-encoder features [B, L, contextDim]. */
  txt: Tensor;
  txtIds: Tensor;
  /** Flow-matching time in [0, 1] [B]. */
  timesteps: Tensor;
  /** Guidance scale [B] (guidance-distilled configs only). */
  guidance?: Tensor;
  /**
   * Reference images (FLUX.2 multi-reference editing): their clean latent tokens [B, R, inChannels], every reference
   * of a row back to back, and their position ids [B, R, 4] (t = 10, 20, … per reference; see flux2ReferenceIds).
   * They join the image sequence (same weights, same modulation) but get no output: the prediction is for `img` only.
   */
  ref?: Tensor;
  refIds?: Tensor;
}

/** One low-rank update: scale · (x·Aᵀ)·Bᵀ. */
export interface LoraGraphPart {
  down: Tensor;
  up: Tensor;
  /** alpha/rank as a constant (training), or a scalar tensor such as a "lora_scale" input (inference). */
  scale: number | Tensor;
}

/**
 * A LoRA'd Linear layer: one update in BFL layout, or (PEFT layout) several whose outputs are concatenated —
 * q|k|v of a fused qkv — or whose output halves are exchanged ([scale, shift] → [shift, scale] of norm_out).
 */
export type LoraGraphLayer = LoraGraphPart | { parts: LoraGraphPart[]; rows: RowMapping } | AdapterWeightDelta;

/** A factored adapter's (LoKr, LoHa) whole update ΔW [out, in], scale included: added as x·ΔWᵀ. */
export interface AdapterWeightDelta {
  weight: Tensor;
}

export interface Flux2GraphParts {
  config: Flux2Config;
  /** Every weight by BFL name (see flux2WeightSpecs), already in the compute dtype. */
  weights: Map<string, Tensor>;
  /** LoRA layers by BFL module path. */
  lora?: Map<string, LoraGraphLayer>;
  /**
   * Gradient checkpointing per block: the backward pass recomputes each block's activations (and the float32
   * casts of its stored weights) instead of keeping them, trading compute for memory.
   */
  checkpointBlocks?: boolean;
}

/**
 * Graph inputs named img, img_ids, txt, txt_ids, timesteps (and guidance; ref and ref_ids when `referenceTokens` is
 * given) with symbolic batch and token counts.
 */
export function addFlux2Inputs(
  g: Graph, config: Flux2Config, dtype: DType, dims: { batch?: Dim; imageTokens?: Dim; textTokens?: Dim; referenceTokens?: Dim } = {},
): Flux2Inputs {
  const B = dims.batch ?? 'batch';
  const N = dims.imageTokens ?? 'img_tokens';
  const L = dims.textTokens ?? 'txt_tokens';
  const R = dims.referenceTokens;
  return {
    img: g.input('img', dtype, [B, N, config.inChannels]),
    imgIds: g.input('img_ids', dtype, [B, N, 4]),
    txt: g.input('txt', dtype, [B, L, config.contextDim]),
    txtIds: g.input('txt_ids', dtype, [B, L, 4]),
    timesteps: g.input('timesteps', dtype, [B]),
    guidance: config.guidanceEmbed ? g.input('guidance', dtype, [B]) : undefined,
    // Declared only when asked for, so graphs without references keep exactly their inputs.
    ...(R !== undefined ? { ref: g.input('ref', dtype, [B, R, config.inChannels]), refIds: g.input('ref_ids', dtype, [B, R, 4]) } : {}),
  };
}

/** Builds the transformer; returns the predicted velocity [B, N, outChannels]. */
export function buildFlux2(g: Graph, x: Flux2Inputs, parts: Flux2GraphParts): Tensor {
  const { config: c } = parts;
  const dtype = x.img.dtype;
  const D = c.hiddenSize;
  const M = mlpHidden(c);
  const block = <T>(path: string, build: () => T): T => (parts.checkpointBlocks ? g.checkpoint(path, () => g.scope(path, build)) : g.scope(path, build));
  const W = (name: string) => {
    const w = parts.weights.get(name);
    if (!w) throw new Error(`FLUX.2 graph: weight ${name} was not provided.`);
    return w;
  };
  const lin = (path: string, input: Tensor) => {
    const l = parts.lora?.get(path);
    if (!l) return linear(input, W(`${path}.weight`));
    if (!('weight' in l) && !('parts' in l) && typeof l.scale === 'number') {
      // A plain LoRA with a constant scale is the C operand of the frozen weight's Gemm: no separate Add, and the
      // backward pass hands the output gradient to both without a node.
      return loraLinear(input, W(`${path}.weight`), null, l.down, l.up, l.scale);
    }
    const y = linear(input, W(`${path}.weight`));
    if ('weight' in l) return add(y, linear(input, l.weight));
    const update = (p: LoraGraphPart) => {
      const low = linear(linear(input, p.down), p.up);
      return p.scale === 1 ? low : mul(low, p.scale);
    };
    if (!('parts' in l)) return add(y, update(l));
    let delta = l.parts.length === 1 ? update(l.parts[0]!) : concat(l.parts.map(update), -1);
    if (l.rows === 'swap-halves') {
      const half = (W(`${path}.weight`).shape[0] as number) / 2;
      const [first, second] = split(delta, [half, half], -1);
      delta = concat([second!, first!], -1);
    }
    return add(y, delta);
  };
  // A plain LoRA with a constant scale can ride inside the products of linearRows / linearJoined; other adapters
  // take the whole product and split or join around it.
  const plainLora = (path: string) => {
    const l = parts.lora?.get(path);
    return !l ? undefined : !('weight' in l) && !('parts' in l) && typeof l.scale === 'number' ? { down: l.down, up: l.up, scale: l.scale } : null;
  };
  /** The layer's output as the column blocks `sizes`, one product per block (no Split of the output). */
  const linRows = (path: string, input: Tensor, sizes: number[]) => {
    const l = plainLora(path);
    return l === null ? split(lin(path, input), sizes, -1) : linearRows(input, W(`${path}.weight`), sizes, l);
  };
  /** The layer applied to the inputs joined along features, one product per input (no Concat of the inputs). */
  const linJoined = (path: string, inputs: Tensor[]) => {
    const l = plainLora(path);
    return l === null ? lin(path, concat(inputs, -1)) : linearJoined(inputs, W(`${path}.weight`), l);
  };
  // LayerNorm without affine; in float32 the fused ONNX op with a constant unit scale is faster.
  const ones = dtype === 'float64' ? null : g.constant(dtype, [D], new Array(D).fill(1));
  const norm = (t: Tensor) => layerNorm(t, ones, null, { epsilon: c.eps });
  const modulate = (t: Tensor, shift: Tensor, scale: Tensor) => add(mul(norm(t), add(scale, 1)), shift);
  // The MLP's first layer as its gate and up halves (one product each), then SiLU(gate)·up.
  const swiglu = (path: string, t: Tensor) => {
    const [gate, up] = linRows(path, t, [M, M]) as [Tensor, Tensor];
    return mul(silu(gate), up);
  };

  const vec = g.scope('time_in', () => embedScalar(g, x.timesteps, c.timestepDim, (p, t) => lin(`time_in.${p}`, t)));
  const vecAll = x.guidance
    ? add(vec, g.scope('guidance_in', () => embedScalar(g, x.guidance!, c.timestepDim, (p, t) => lin(`guidance_in.${p}`, t))))
    : vec;
  const silVec = silu(vecAll);
  const modulation = (path: string, n: number) => g.scope(path, () => split(unsqueeze(lin(path, silVec), [1]), new Array(n).fill(D), -1));
  const modImg = c.numDoubleBlocks ? modulation('double_stream_modulation_img.lin', 6) : [];
  const modTxt = c.numDoubleBlocks ? modulation('double_stream_modulation_txt.lin', 6) : [];
  const modSingle = c.numSingleBlocks ? modulation('single_stream_modulation.lin', 3) : [];

  let img = g.scope('img_in', () => lin('img_in', x.img));
  let txt = g.scope('txt_in', () => lin('txt_in', x.txt));
  // Reference tokens are image tokens placed after the noisy ones in BFL's sequence. Kept as a third stream through
  // the image weights, which is the same arithmetic (every layer but attention acts per token) without slicing the
  // prediction at a token count, so R stays symbolic too.
  if ((x.ref === undefined) !== (x.refIds === undefined)) throw new Error('FLUX.2 graph: reference tokens need their position ids, and ids their tokens.');
  let ref = x.ref && g.scope('img_in', () => lin('img_in', x.ref!));
  const ropeImg = g.scope('pe_embedder', () => ropeTable(g, x.imgIds, c));
  const ropeTxt = g.scope('pe_embedder', () => ropeTable(g, x.txtIds, c));
  const ropeRef = x.refIds && g.scope('pe_embedder', () => ropeTable(g, x.refIds!, c));

  // [B, T, D] → [B, H, T, headDim]
  const heads = (t: Tensor) => transpose(reshape(t, [0, 0, c.numHeads, c.headDim]), [0, 2, 1, 3]);
  const merge = (t: Tensor) => reshape(transpose(t, [0, 2, 1, 3]), [0, 0, D]);
  // q, k, v [B, T, D] → heads, QK-norm and RoPE.
  const attentionInputs = (q: Tensor, k: Tensor, v: Tensor, normPrefix: string, rope: Rope) => {
    const qn = rmsNorm(heads(q), W(`${normPrefix}.norm.query_norm.scale`), { epsilon: 1e-6 });
    const kn = rmsNorm(heads(k), W(`${normPrefix}.norm.key_norm.scale`), { epsilon: 1e-6 });
    return { q: rotaryEmbedding(qn, rope.cos, rope.sin), k: rotaryEmbedding(kn, rope.cos, rope.sin), v: heads(v) };
  };
  // The qkv layer as one product per q, k and v.
  const qkvHeads = (path: string, t: Tensor, normPrefix: string, rope: Rope) => {
    const [q, k, v] = linRows(path, t, [D, D, D]) as [Tensor, Tensor, Tensor];
    return attentionInputs(q, k, v, normPrefix, rope);
  };
  // Joint attention over [txt, img, ref] keys; each stream's queries attend separately.
  type Qkv = { q: Tensor; k: Tensor; v: Tensor };
  const jointAttention = (t: Qkv, i: Qkv, r?: Qkv) => {
    const k = concat(r ? [t.k, i.k, r.k] : [t.k, i.k], 2);
    const v = concat(r ? [t.v, i.v, r.v] : [t.v, i.v], 2);
    const scale = 1 / Math.sqrt(c.headDim);
    const out = (s: Qkv) => merge(attention(s.q, k, v, { scale }));
    return { txt: out(t), img: out(i), ref: r && out(r) };
  };

  for (let b = 0; b < c.numDoubleBlocks; b++) {
    const p = `double_blocks.${b}`;
    [img, txt, ref] = block(p, () => {
      const [sh1, sc1, g1, sh2, sc2, g2] = modImg as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
      const [csh1, csc1, cg1, csh2, csc2, cg2] = modTxt as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
      const imageQkv = (t: Tensor, rope: Rope) => g.scope('img_attn', () => qkvHeads(`${p}.img_attn.qkv`, modulate(t, sh1, sc1), `${p}.img_attn`, rope));
      const qi = imageQkv(img, ropeImg);
      const qr = ref && imageQkv(ref, ropeRef!);
      const qt = g.scope('txt_attn', () => qkvHeads(`${p}.txt_attn.qkv`, modulate(txt, csh1, csc1), `${p}.txt_attn`, ropeTxt));
      const a = g.scope('attn', () => jointAttention(qt, qi, qr));
      const image = (t: Tensor, attn: Tensor) => {
        const im = add(t, mul(g1, g.scope('img_attn', () => lin(`${p}.img_attn.proj`, attn))));
        return add(im, mul(g2, g.scope('img_mlp', () => lin(`${p}.img_mlp.2`, swiglu(`${p}.img_mlp.0`, modulate(im, sh2, sc2))))));
      };
      let tx = add(txt, mul(cg1, g.scope('txt_attn', () => lin(`${p}.txt_attn.proj`, a.txt))));
      tx = add(tx, mul(cg2, g.scope('txt_mlp', () => lin(`${p}.txt_mlp.2`, swiglu(`${p}.txt_mlp.0`, modulate(tx, csh2, csc2))))));
      return [image(img, a.img), tx, ref && image(ref, a.ref!)] as const;
    });
  }

  // The single blocks run on the joined sequence [txt, img, ref] as BFL's do: one product per layer over every token
  // (fewer, larger Gemms) and one attention, instead of a copy of the block per stream. The join and the split back
  // read symbolic token counts at run time, so one graph still serves every bucket.
  if (c.numSingleBlocks) {
    const streams = ref ? [txt, img, ref] : [txt, img];
    const ropes = ref ? [ropeTxt, ropeImg, ropeRef!] : [ropeTxt, ropeImg];
    const rope = { cos: concat(ropes.map((r) => r.cos), 1), sin: concat(ropes.map((r) => r.sin), 1) };
    const scale = 1 / Math.sqrt(c.headDim);
    let h = concat(streams, 1);
    for (let b = 0; b < c.numSingleBlocks; b++) {
      const p = `single_blocks.${b}`;
      h = block(p, () => {
        const [sh, sc, gate] = modSingle as [Tensor, Tensor, Tensor];
        // linear1 as one product per row range of its weight (q, k, v and the MLP's gate and up), and linear2 as one
        // per input (attention output, MLP), where copying the weight is cheaper than copying the activations: the
        // output is not split, the input not joined (nor their gradients joined and split back).
        const pieces = linRows(`${p}.linear1`, modulate(h, sh, sc), [D, D, D, M, M]);
        const [q0, k0, v0, mlpGate, mlpUp] = pieces as [Tensor, Tensor, Tensor, Tensor, Tensor];
        const { q, k, v } = attentionInputs(q0, k0, v0, p, rope);
        const a = g.scope('attn', () => merge(attention(q, k, v, { scale })));
        return add(h, mul(gate, linJoined(`${p}.linear2`, [a, mul(silu(mlpGate), mlpUp)])));
      });
    }
    img = splitAs(h, streams, 1)[1]!;
  }

  return g.scope('final_layer', () => {
    const [shift, scale] = split(unsqueeze(lin('final_layer.adaLN_modulation.1', silVec), [1]), [D, D], -1);
    return lin('final_layer.linear', modulate(img, shift!, scale!));
  });
}

/** Sinusoidal embedding of 1000·t ([cos | sin], max period 1e4) followed by Linear → SiLU → Linear. */
function embedScalar(g: Graph, t: Tensor, dim: number, lin: (part: 'in_layer' | 'out_layer', x: Tensor) => Tensor): Tensor {
  const half = dim / 2;
  const freqs = Array.from({ length: half }, (_, j) => Math.exp((-Math.log(10000) * j) / half));
  const angles = mul(unsqueeze(mul(t, 1000), [1]), g.constant(t.dtype, [half], freqs));
  const emb = concat([cos(angles), sin(angles)], -1);
  return lin('out_layer', silu(lin('in_layer', emb)));
}

interface Rope {
  cos: Tensor;
  sin: Tensor;
}

/** cos/sin of the 4-axis RoPE angles for position ids [B, T, 4] → [B, T, headDim/2]. */
function ropeTable(g: Graph, ids: Tensor, c: Flux2Config): Rope {
  const parts = c.ropeAxesDims.map((d, axis) => {
    const omega = Array.from({ length: d / 2 }, (_, j) => c.ropeTheta ** ((-2 * j) / d));
    return mul(slice(ids, [axis], [axis + 1], [2]), g.constant(ids.dtype, [d / 2], omega));
  });
  const angles = concat(parts, -1);
  return { cos: cos(angles), sin: sin(angles) };
}
