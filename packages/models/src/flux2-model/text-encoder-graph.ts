// The FLUX.2 text encoder (Qwen3 or Mistral 3's language model) as an engine graph, from its safetensors:
// embeddings → decoder layers (RMSNorm, grouped-query attention with RoPE — Qwen3 also RMSNorms q and k per head —
// and a SwiGLU MLP), stopping after the last layer FLUX.2 reads; the picked hidden states side by side per token.
// No LM head, no layers past the last pick. One sequence of fixed length per run (the prompt padded to 512).
import { add, attention, concat, expand, gather, linear, mul, reshape, rmsNorm, silu, split, transpose, unsqueeze, neg, type DType, type Graph, type Tensor } from '@lora-studio/onnx';
import { layersBuilt, type Flux2TextEncoderConfig } from './text-encoder-config';
import { addStoredRaw, addStoredWeight, type StoredTensor } from './tensor-store';
import { cast } from '@lora-studio/onnx';

export interface TextEncoderGraphInputs {
  /** int64 [1, L]. */
  ids: Tensor;
  /** [1, 1, L, L] added to the attention logits: 0 where a token may look, a large negative elsewhere. */
  bias: Tensor;
}

/** Graph inputs "input_ids" and "attention_bias" for sequences of `length` tokens. */
export function addTextEncoderInputs(g: Graph, length: number, dtype: DType): TextEncoderGraphInputs {
  return { ids: g.input('input_ids', 'int64', [1, length]), bias: g.input('attention_bias', dtype, [1, 1, length, length]) };
}

/**
 * The attention the pipelines give the text encoder: causal, and no token looks at padding (right-padded, so
 * prompt tokens never see it; padding rows see the prompt). `mask` is 1 for prompt tokens.
 */
export function attentionBias(mask: readonly number[]): Float32Array {
  const L = mask.length;
  const out = new Float32Array(L * L);
  for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) out[i * L + j] = j <= i && mask[j] ? 0 : -1e30;
  return out;
}

/** cos / sin of RoPE angles per position, [L, headDim] with the half-split layout (rotate_half). */
export function ropeTables(c: Flux2TextEncoderConfig, length: number): { cos: Float64Array; sin: Float64Array } {
  const d = c.headDim;
  const cos = new Float64Array(length * d);
  const sin = new Float64Array(length * d);
  for (let p = 0; p < length; p++) {
    for (let j = 0; j < d / 2; j++) {
      const angle = p * c.ropeTheta ** ((-2 * j) / d);
      for (const at of [p * d + j, p * d + j + d / 2]) {
        cos[at] = Math.cos(angle);
        sin[at] = Math.sin(angle);
      }
    }
  }
  return { cos, sin };
}

/** Builds the encoder; returns the context [1, L, picks × hidden]. `weight(name)` gives the stored tensor by suffix. */
export function buildFlux2TextEncoder(g: Graph, x: TextEncoderGraphInputs, c: Flux2TextEncoderConfig, weight: (name: string) => StoredTensor, dtype: DType): Tensor {
  const L = x.ids.shape[1] as number;
  const W = (name: string) => addStoredWeight(g, name, weight(name), dtype);
  const tables = ropeTables(c, L);
  const cosT = g.constant(dtype, [L, c.headDim], tables.cos);
  const sinT = g.constant(dtype, [L, c.headDim], tables.sin);
  const half = c.headDim / 2;
  const rope = (t: Tensor) => {
    const [a, b] = split(t, [half, half], -1) as [Tensor, Tensor];
    return add(mul(t, cosT), mul(concat([neg(b), a], -1), sinT));
  };
  const repeat = c.heads / c.kvHeads;
  // [1, L, n·hd] → [1, n, L, hd]
  const heads = (t: Tensor, n: number, norm?: string) => {
    let h = reshape(t, [1, L, n, c.headDim]);
    if (norm) h = rmsNorm(h, W(norm), { epsilon: c.rmsEps });
    return transpose(h, [0, 2, 1, 3]);
  };
  const shareKv = (t: Tensor) => (repeat === 1 ? t : reshape(expand(unsqueeze(t, [2]), [1, c.kvHeads, repeat, L, c.headDim]), [1, c.heads, L, c.headDim]));

  const table = addStoredRaw(g, 'embed_tokens.weight', weight('embed_tokens.weight'));
  const rows = gather(table, x.ids, 0);
  let h = rows.dtype === dtype ? rows : cast(rows, dtype);
  const picked: Tensor[] = [];
  const last = layersBuilt(c);
  for (let i = 0; i < last; i++) {
    const p = `layers.${i}.`;
    h = g.scope(`layer${i}`, () => {
      const xa = rmsNorm(h, W(`${p}input_layernorm.weight`), { epsilon: c.rmsEps });
      const q = rope(heads(linear(xa, W(`${p}self_attn.q_proj.weight`)), c.heads, c.qkNorm ? `${p}self_attn.q_norm.weight` : undefined));
      const k = rope(heads(linear(xa, W(`${p}self_attn.k_proj.weight`)), c.kvHeads, c.qkNorm ? `${p}self_attn.k_norm.weight` : undefined));
      const v = heads(linear(xa, W(`${p}self_attn.v_proj.weight`)), c.kvHeads);
      const a = attention(q, shareKv(k), shareKv(v), { scale: 1 / Math.sqrt(c.headDim), mask: x.bias });
      const merged = reshape(transpose(a, [0, 2, 1, 3]), [1, L, c.heads * c.headDim]);
      const h1 = add(h, linear(merged, W(`${p}self_attn.o_proj.weight`)));
      const xm = rmsNorm(h1, W(`${p}post_attention_layernorm.weight`), { epsilon: c.rmsEps });
      const mlp = linear(mul(silu(linear(xm, W(`${p}mlp.gate_proj.weight`))), linear(xm, W(`${p}mlp.up_proj.weight`))), W(`${p}mlp.down_proj.weight`));
      return add(h1, mlp);
    });
    // hidden_states[layers] is the only one after the final norm (as the reference models return it).
    if (c.picks.includes(i + 1)) picked.push(i + 1 === c.layers ? rmsNorm(h, W('norm.weight'), { epsilon: c.rmsEps }) : h);
  }
  return concat(picked, -1);
}
