// A small pre-LN transformer (attention + GELU MLP per block) with LoRA on q, k, v, o and both MLP
// linears. Used by the selftest, the end-to-end tests and the benchmark; frozen weights are seeded.

import type { DType } from './dtype';
import { Graph, type Tensor } from './graph';
import { seededValues } from './gradcheck';
import { add, attention, gelu, layerNorm, loraLinear, mul, reduceMean, reshape, sub, transpose } from './ops';
import type { ParameterSpec } from './optimizer';

export interface TinyTransformerConfig {
  batch: number;
  tokens: number;
  dim: number;
  heads: number;
  layers: number;
  rank: number;
  /** LoRA output scale (alpha / rank). */
  loraScale?: number;
  dtype?: DType;
  /** Wrap each block in graph.checkpoint (recomputed in the backward pass). */
  checkpointBlocks?: boolean;
}

const TARGETS = ['attn.q', 'attn.k', 'attn.v', 'attn.o', 'mlp.fc1', 'mlp.fc2'] as const;

function targetShape(cfg: TinyTransformerConfig, target: (typeof TARGETS)[number]): { out: number; in: number } {
  const hidden = 4 * cfg.dim;
  if (target === 'mlp.fc1') return { out: hidden, in: cfg.dim };
  if (target === 'mlp.fc2') return { out: cfg.dim, in: hidden };
  return { out: cfg.dim, in: cfg.dim };
}

/** Names and shapes of every LoRA tensor: `blocks.<i>.<target>.lora_A` [r, in] and `.lora_B` [out, r]. */
export function tinyLoraSpecs(cfg: TinyTransformerConfig): ParameterSpec[] {
  const specs: ParameterSpec[] = [];
  for (let l = 0; l < cfg.layers; l++) {
    for (const t of TARGETS) {
      const s = targetShape(cfg, t);
      specs.push({ name: `blocks.${l}.${t}.lora_A`, shape: [cfg.rank, s.in] }, { name: `blocks.${l}.${t}.lora_B`, shape: [s.out, cfg.rank] });
    }
  }
  return specs;
}

/** LoRA initial values: A random (Kaiming-like scale), B zero — or both random, so every gradient is non-zero. */
export function tinyLoraInit(cfg: TinyTransformerConfig, mode: 'standard' | 'random', seed = 7): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  tinyLoraSpecs(cfg).forEach((s, i) => {
    const n = s.shape[0] * s.shape[1];
    const isB = s.name.endsWith('lora_B');
    out[s.name] = isB && mode === 'standard' ? new Float64Array(n) : seededValues(n, seed + i).map((v) => v / Math.sqrt(s.shape[1]));
  });
  return out;
}

/**
 * Builds the forward pass and an MSE loss against `target`. Inputs: 'x' and 'target' [B, N, D].
 * `lora(name)` returns the tensor for each LoRA matrix (graph inputs, or views of a packed buffer).
 */
export function buildTinyTransformer(g: Graph, cfg: TinyTransformerConfig, lora: (name: string) => Tensor): { loss: Tensor } {
  const dtype = cfg.dtype ?? 'float32';
  const { batch: B, tokens: N, dim: D, heads: H } = cfg;
  const dh = D / H;
  let seed = 1000;
  const weight = (name: string, shape: number[], scale: number) =>
    g.initializer(name, dtype, shape, seededValues(shape.reduce((a, b) => a * b, 1), seed++).map((v) => v * scale));
  const ones = (name: string, n: number) => g.initializer(name, dtype, [n], new Float64Array(n).fill(1));
  const zeros = (name: string, n: number) => g.initializer(name, dtype, [n], new Float64Array(n));

  const adapted = (h: Tensor, target: (typeof TARGETS)[number], prefix: string) =>
    g.scope(target, () => {
      const s = targetShape(cfg, target);
      const w = weight('weight', [s.out, s.in], 1 / Math.sqrt(s.in));
      const b = zeros('bias', s.out);
      return loraLinear(h, w, b, lora(`${prefix}.${target}.lora_A`), lora(`${prefix}.${target}.lora_B`), cfg.loraScale ?? 1);
    });
  const heads = (t: Tensor) => transpose(reshape(t, [B, N, H, dh]), [0, 2, 1, 3]);

  let x = g.input('x', dtype, [B, N, D]);
  const target = g.input('target', dtype, [B, N, D]);
  for (let l = 0; l < cfg.layers; l++) {
    const prefix = `blocks.${l}`;
    const block = (input: Tensor) => g.scope(prefix, () => {
      const h = g.scope('norm1', () => layerNorm(input, ones('scale', D), zeros('bias', D)));
      const q = heads(adapted(h, 'attn.q', prefix));
      const k = heads(adapted(h, 'attn.k', prefix));
      const v = heads(adapted(h, 'attn.v', prefix));
      const a = reshape(transpose(attention(q, k, v), [0, 2, 1, 3]), [B, N, D]);
      const y = add(input, adapted(a, 'attn.o', prefix));
      const h2 = g.scope('norm2', () => layerNorm(y, ones('scale', D), zeros('bias', D)));
      return add(y, adapted(gelu(adapted(h2, 'mlp.fc1', prefix), 'tanh'), 'mlp.fc2', prefix));
    });
    x = cfg.checkpointBlocks ? g.checkpoint(prefix, () => block(x)) : block(x);
  }
  const diff = sub(x, target);
  return { loss: g.scope('loss', () => reduceMean(mul(diff, diff))) };
}

/** Deterministic inputs: x, and a target that a LoRA can move the output towards. */
export function tinyBatch(cfg: TinyTransformerConfig, seed = 3): { x: Float64Array; target: Float64Array } {
  const n = cfg.batch * cfg.tokens * cfg.dim;
  const x = seededValues(n, seed);
  const noise = seededValues(n, seed + 1);
  return { x, target: x.map((v, i) => 0.5 * Math.sin(3 * v) + 0.3 * noise[i]) };
}
