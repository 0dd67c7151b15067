// The run's text length. The FLUX.2 pipelines pad every prompt to 512 tokens; a run uses the length of its
// longest text instead (captions, sample prompts, the empty caption), so short captions do not pay for 512 tokens
// of attention in every block. Samples and base predictions use the same length as the steps, so what the LoRA
// is trained on and what it is shown at inference agree.
import type { EncodedTensor } from './encoders';

/**
 * The longest text's own token count among `texts`, at most their padded length. Texts whose encoder does not
 * say how many of their rows are the prompt (no `tokens`) keep their full length.
 */
export function textTokenCap(texts: readonly EncodedTensor[]): number {
  let cap = 0;
  for (const t of texts) cap = Math.max(cap, Math.min(t.tokens ?? t.shape[0]!, t.shape[0]!));
  return Math.max(1, cap);
}

/**
 * The first `cap` rows of a text's features. Only exact for a causal text encoder (FLUX.2's Qwen3 and Mistral):
 * its first rows never see the padding after them, so cutting the padding off changes no prompt row. A text
 * longer than the cap (a tag-shuffled caption that tokenizes a little longer) loses its last rows.
 */
export function capTextTokens(t: EncodedTensor, cap: number): EncodedTensor {
  const rows = t.shape[0]!;
  if (cap >= rows) return t;
  const width = t.data.length / rows;
  return { shape: [cap, ...t.shape.slice(1)], data: t.data.subarray(0, cap * width), tokens: Math.min(t.tokens ?? cap, cap) };
}
