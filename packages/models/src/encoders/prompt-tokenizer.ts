// Prompt → token ids for an ONNX text encoder, from a plain vocab.json ({token: id}) instead of a full
// HF tokenizer.json. The prompt is placed in the model's chat template, special tokens of the template
// (`<|im_start|>`, `[INST]`, …: any vocab entry written in the template) are matched literally, and the rest
// is cut by greedy longest match against the vocab. Greedy matching is NOT byte-pair-encoding merges: for some
// words it picks a different split than the real tokenizer, so embeddings can differ slightly from the
// reference pipeline. Exact BPE (merges.txt / tokenizer.json) is out of scope.

export interface PromptTokenizerOptions {
  /** {token: id}. */
  vocab: Record<string, number>;
  /** Chat template with "{prompt}" where the caption goes (docs/flux2.md §Text encoders). */
  template: string;
  /** Sequence length the text encoder takes (512 for FLUX.2); shorter prompts are padded, longer cut. */
  maxTokens: number;
  padId: number;
  /**
   * GPT-2 style byte-level vocab (Qwen3, Mistral Tekken): text is matched as UTF-8 bytes mapped to printable
   * characters ("Ġ" for a space, "Ċ" for a newline). False: characters are matched as they are.
   */
  byteLevel: boolean;
  /** Id for a character no vocab entry covers; without one such a prompt is an error. */
  unkId?: number;
}

export interface TokenizedPrompt {
  /** [maxTokens] ids, padded with padId. */
  ids: BigInt64Array;
  /** [maxTokens] 1 for prompt tokens, 0 for padding. */
  mask: BigInt64Array;
  /** Tokens before padding (after cutting to maxTokens). */
  length: number;
  truncated: boolean;
}

/** GPT-2's reversible byte → printable character table. */
function byteCharacters(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const table: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) table.push(String.fromCharCode(printable(b) ? b : next++));
  return table;
}

const BYTE_CHARS = byteCharacters();
const utf8 = new TextEncoder();

export class PromptTokenizer {
  private readonly specials: string[];
  private readonly longest: number;

  constructor(readonly options: PromptTokenizerOptions) {
    if (!options.template.includes('{prompt}')) throw new Error('The text encoder template has no "{prompt}" placeholder.');
    // Vocab entries the template spells out verbatim (its control tokens), longest first.
    this.specials = Object.keys(options.vocab)
      .filter((t) => t.length > 1 && /^[<[]/.test(t) && options.template.includes(t))
      .sort((a, b) => b.length - a.length);
    this.longest = Math.max(1, ...Object.keys(options.vocab).map((t) => t.length));
  }

  tokenize(prompt: string): TokenizedPrompt {
    const { maxTokens, padId } = this.options;
    const [before, after] = this.options.template.split('{prompt}', 2) as [string, string];
    const all = [...this.templateIds(before), ...this.textIds(prompt), ...this.templateIds(after)];
    const length = Math.min(all.length, maxTokens);
    const ids = new BigInt64Array(maxTokens).fill(BigInt(padId));
    const mask = new BigInt64Array(maxTokens);
    for (let i = 0; i < length; i++) {
      ids[i] = BigInt(all[i]!);
      mask[i] = 1n;
    }
    return { ids, mask, length, truncated: all.length > maxTokens };
  }

  private templateIds(text: string): number[] {
    const out: number[] = [];
    let rest = text;
    while (rest.length) {
      let cut = rest.length;
      let special: string | undefined;
      for (const s of this.specials) {
        const at = rest.indexOf(s);
        if (at >= 0 && (at < cut || (at === cut && special === undefined))) {
          cut = at;
          special = s;
        }
      }
      out.push(...this.textIds(rest.slice(0, cut)));
      if (special === undefined) break;
      out.push(this.options.vocab[special]!);
      rest = rest.slice(cut + special.length);
    }
    return out;
  }

  private textIds(text: string): number[] {
    const { vocab, byteLevel, unkId } = this.options;
    const units = byteLevel ? Array.from(utf8.encode(text), (b) => BYTE_CHARS[b]!).join('') : text;
    const out: number[] = [];
    let at = 0;
    while (at < units.length) {
      let match = 0;
      for (let n = Math.min(this.longest, units.length - at); n > 0; n--) {
        if (Object.hasOwn(vocab, units.slice(at, at + n))) {
          match = n;
          break;
        }
      }
      if (match) {
        out.push(vocab[units.slice(at, at + match)]!);
        at += match;
        continue;
      }
      if (unkId === undefined) {
        throw new Error(`The text encoder's vocab.json has no token for "${units[at]}" in "${text}", and model.json gives no unkId. Add the character to the vocab or set textEncoder.unkId.`);
      }
      out.push(unkId);
      at += 1;
    }
    return out;
  }
}
