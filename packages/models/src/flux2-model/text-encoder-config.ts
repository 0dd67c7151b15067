// The text encoder's config.json (Qwen3 for FLUX.2 [klein], Mistral 3's language model for [dev]) and which of its
// hidden states FLUX.2 stacks per token: hidden_states[k] is the output of decoder layer k (0 = the embeddings),
// as the pipelines index them — klein 9, 18, 27; dev 10, 20, 30.
import type { TextEncoderFamily } from './prompt-tokenizer';

export interface Flux2TextEncoderConfig {
  family: TextEncoderFamily;
  /** "Qwen3ForCausalLM", "Mistral3ForConditionalGeneration" … as config.json names it. */
  architecture: string;
  hiddenSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  rmsEps: number;
  ropeTheta: number;
  /** Qwen3 normalises q and k per head before RoPE; Mistral does not. */
  qkNorm: boolean;
  /** hidden_states indices stacked per token, in order. */
  picks: number[];
}

export const FLUX2_LAYER_PICKS: Record<TextEncoderFamily, number[]> = { qwen3: [9, 18, 27], mistral3: [10, 20, 30] };

const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

/** Reads a config.json object; pushes every problem (naming the file) and returns undefined when unusable. */
export function parseTextEncoderConfig(json: unknown, file: string, problems: string[]): Flux2TextEncoderConfig | undefined {
  if (typeof json !== 'object' || json === null) {
    problems.push(`${file} is not a JSON object.`);
    return undefined;
  }
  const top = json as Record<string, unknown>;
  const architecture = Array.isArray(top.architectures) && typeof top.architectures[0] === 'string' ? top.architectures[0] : String(top.model_type ?? 'unknown');
  let family: TextEncoderFamily;
  let c: Record<string, unknown>;
  if (top.model_type === 'qwen3') {
    family = 'qwen3';
    c = top;
  } else if (top.model_type === 'mistral3' && typeof top.text_config === 'object' && top.text_config) {
    family = 'mistral3';
    c = top.text_config as Record<string, unknown>;
  } else if (top.model_type === 'mistral') {
    family = 'mistral3';
    c = top;
  } else {
    problems.push(`${file}: the text encoder is "${architecture}" (model_type ${JSON.stringify(top.model_type ?? null)}); FLUX.2 uses Qwen3 (klein) or Mistral 3 (dev).`);
    return undefined;
  }
  const before = problems.length;
  const count = (key: string, fallback?: number) => {
    const v = c[key] ?? fallback;
    if (!isCount(v)) problems.push(`${file}: "${key}" must be a positive whole number (found ${JSON.stringify(c[key] ?? null)}).`);
    return v as number;
  };
  const hiddenSize = count('hidden_size');
  const heads = count('num_attention_heads');
  const kvHeads = count('num_key_value_heads', heads);
  const headDim = count('head_dim', isCount(hiddenSize) && isCount(heads) ? hiddenSize / heads : undefined);
  const layers = count('num_hidden_layers');
  const intermediateSize = count('intermediate_size');
  const vocabSize = count('vocab_size');
  const rope = (c.rope_parameters ?? c.rope_scaling) as Record<string, unknown> | null | undefined;
  const ropeTheta = c.rope_theta ?? rope?.rope_theta;
  if (typeof ropeTheta !== 'number' || !(ropeTheta > 0)) problems.push(`${file}: "rope_theta" must be a positive number.`);
  const ropeType = rope?.rope_type ?? rope?.type;
  if (ropeType !== undefined && ropeType !== 'default') problems.push(`${file}: RoPE scaling "${String(ropeType)}" is not supported; FLUX.2's text encoders use plain RoPE.`);
  const rmsEps = c.rms_norm_eps ?? 1e-6;
  if (typeof rmsEps !== 'number' || !(rmsEps > 0)) problems.push(`${file}: "rms_norm_eps" must be a positive number.`);
  if (c.attention_bias === true) problems.push(`${file}: attention with biases is not FLUX.2's text encoder (attention_bias is true).`);
  if (isCount(heads) && isCount(kvHeads) && heads % kvHeads) problems.push(`${file}: ${heads} attention heads cannot share ${kvHeads} key/value heads evenly.`);
  const picks = FLUX2_LAYER_PICKS[family];
  if (isCount(layers) && layers < Math.max(...picks)) {
    problems.push(`${file}: the text encoder has ${layers} layers, but FLUX.2 reads hidden states ${picks.join(', ')} of it.`);
  }
  if (problems.length > before) return undefined;
  return {
    family, architecture, hiddenSize, layers, heads, kvHeads, headDim, intermediateSize, vocabSize,
    rmsEps: rmsEps as number, ropeTheta: ropeTheta as number, qkNorm: family === 'qwen3', picks,
  };
}

/** Features per token FLUX.2 gets: the picked hidden states side by side. */
export function contextWidth(c: Flux2TextEncoderConfig): number {
  return c.picks.length * c.hiddenSize;
}

/** Layers the graph builds: none past the last one read. */
export function layersBuilt(c: Flux2TextEncoderConfig): number {
  return Math.max(...c.picks);
}

/** Stored names of one decoder layer's weights (after the prefix), with shapes. */
export function layerWeightShapes(c: Flux2TextEncoderConfig, i: number): [string, number[]][] {
  const D = c.hiddenSize;
  const q = c.heads * c.headDim;
  const kv = c.kvHeads * c.headDim;
  const p = `layers.${i}.`;
  const shapes: [string, number[]][] = [
    [`${p}input_layernorm.weight`, [D]],
    [`${p}self_attn.q_proj.weight`, [q, D]],
    [`${p}self_attn.k_proj.weight`, [kv, D]],
    [`${p}self_attn.v_proj.weight`, [kv, D]],
    [`${p}self_attn.o_proj.weight`, [D, q]],
    [`${p}post_attention_layernorm.weight`, [D]],
    [`${p}mlp.gate_proj.weight`, [c.intermediateSize, D]],
    [`${p}mlp.up_proj.weight`, [c.intermediateSize, D]],
    [`${p}mlp.down_proj.weight`, [D, c.intermediateSize]],
  ];
  if (c.qkNorm) shapes.push([`${p}self_attn.q_norm.weight`, [c.headDim]], [`${p}self_attn.k_norm.weight`, [c.headDim]]);
  return shapes;
}

/** Every weight the graph reads, stored-name suffix → shape (the final norm only when a pick is the last layer). */
export function textEncoderWeightShapes(c: Flux2TextEncoderConfig): Map<string, number[]> {
  const out = new Map<string, number[]>([['embed_tokens.weight', [c.vocabSize, c.hiddenSize]]]);
  for (let i = 0; i < layersBuilt(c); i++) for (const [n, s] of layerWeightShapes(c, i)) out.set(n, s);
  if (c.picks.includes(c.layers)) out.set('norm.weight', [c.hiddenSize]);
  return out;
}

/** Prefixes the language model's weights sit under in Qwen3 and Mistral 3 checkpoints. */
export const TEXT_ENCODER_PREFIXES = ['model.', 'model.language_model.', 'language_model.model.', ''];
