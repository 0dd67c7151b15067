// Prompt → token ids exactly as the FLUX.2 pipelines make them: the prompt goes into the text encoder's own chat
// template (tokenizer_config.json, chat_template.jinja or chat_template.json, rendered with @huggingface/jinja),
// the text is tokenized by the model's tokenizer.json (@huggingface/tokenizers: BPE merges, byte-level, added and
// special tokens), cut to the sequence length and padded on the right with the pad id.
//   klein (Qwen3): one user message, generation prompt, thinking disabled (the empty <think></think> block).
//   dev (Mistral 3): BFL's system message + the user message, no generation prompt, no extra special tokens
//   (the template writes the BOS itself).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';

export type TextEncoderFamily = 'qwen3' | 'mistral3';

/** BFL's system message for FLUX.2 [dev] (src/flux2/system_messages.py); the line break is BFL's own. */
export const FLUX2_DEV_SYSTEM_MESSAGE =
  'You are an AI that reasons about image descriptions. You give structured responses focusing on object relationships, object\nattribution and actions without speculation.';

export interface Flux2TokenizedPrompt {
  /** [maxTokens] ids, right-padded with padId. */
  ids: number[];
  /** [maxTokens] 1 for prompt tokens, 0 for padding. */
  mask: number[];
  /** Tokens before padding. */
  length: number;
  /** The formatted prompt was longer than maxTokens and was cut. */
  truncated: boolean;
  /** The chat-formatted text that was tokenized. */
  text: string;
}

export class TokenizerFilesError extends Error {
  override name = 'TokenizerFilesError';
  constructor(readonly problems: string[]) {
    super(problems.join(' '));
  }
}

export class Flux2PromptTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly template: Template,
    private readonly specials: Record<string, unknown>,
    readonly family: TextEncoderFamily,
    readonly maxTokens: number,
    readonly padId: number,
  ) {}

  /** `dir` holds tokenizer.json and tokenizer_config.json (+ chat_template.jinja / .json). Throws TokenizerFilesError. */
  static open(dir: string, family: TextEncoderFamily, maxTokens = 512): Flux2PromptTokenizer {
    const problems: string[] = [];
    const json = <T>(name: string): T | undefined => {
      const path = join(dir, name);
      if (!existsSync(path)) return undefined;
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as T;
      } catch (e) {
        problems.push(`${path} is not valid JSON (${(e as Error).message}); download it again.`);
        return undefined;
      }
    };
    const tokenizerJson = json<Record<string, unknown>>('tokenizer.json');
    const config = json<Record<string, unknown>>('tokenizer_config.json');
    if (!tokenizerJson && !problems.length) problems.push(`${join(dir, 'tokenizer.json')} is missing; the tokenizer folder needs tokenizer.json and tokenizer_config.json.`);
    if (!config && !existsSync(join(dir, 'tokenizer_config.json'))) problems.push(`${join(dir, 'tokenizer_config.json')} is missing; it holds the chat template and the pad token.`);
    const source = chatTemplateText(dir, config, problems);
    if (problems.length || !tokenizerJson || !config) throw new TokenizerFilesError(problems);

    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(tokenizerJson, config);
    } catch (e) {
      throw new TokenizerFilesError([`${join(dir, 'tokenizer.json')} cannot be used as a tokenizer (${(e as Error).message}).`]);
    }
    let template: Template;
    try {
      template = new Template(source!);
    } catch (e) {
      throw new TokenizerFilesError([`The chat template in ${dir} cannot be parsed (${(e as Error).message}).`]);
    }
    const tokenText = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'object' && v && typeof (v as { content?: unknown }).content === 'string' ? (v as { content: string }).content : undefined);
    const padToken = tokenText(config.pad_token) ?? tokenText(config.eos_token);
    const padId = padToken === undefined ? undefined : tokenizer.token_to_id(padToken);
    if (padId === undefined) throw new TokenizerFilesError([`${join(dir, 'tokenizer_config.json')} names no pad token the tokenizer knows (pad_token ${JSON.stringify(config.pad_token ?? null)}).`]);
    const specials: Record<string, unknown> = {};
    for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
      const text = tokenText(config[key]);
      if (text !== undefined) specials[key] = text;
    }
    return new Flux2PromptTokenizer(tokenizer, template, specials, family, maxTokens, padId);
  }

  /** The prompt placed in the chat template as the family's pipeline does. */
  format(prompt: string): string {
    if (this.family === 'qwen3') {
      return this.template.render({ ...this.specials, messages: [{ role: 'user', content: prompt }], add_generation_prompt: true, enable_thinking: false });
    }
    // The dev pipeline drops [IMG] markers from prompts (the processor would count them as image slots).
    const text = prompt.replaceAll('[IMG]', '');
    return this.template.render({
      ...this.specials,
      messages: [
        { role: 'system', content: [{ type: 'text', text: FLUX2_DEV_SYSTEM_MESSAGE }] },
        { role: 'user', content: [{ type: 'text', text }] },
      ],
      add_generation_prompt: false,
    });
  }

  /** Ids of `text` as the tokenizer makes them (no template, no padding). */
  encode(text: string, addSpecialTokens = false): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  tokenize(prompt: string): Flux2TokenizedPrompt {
    const text = this.format(prompt);
    // klein's pipeline calls the tokenizer directly (its post-processor may add tokens); dev's processor tokenizes
    // the rendered template without adding any.
    const all = this.encode(text, this.family === 'qwen3');
    const truncated = all.length > this.maxTokens;
    const kept = all.slice(0, this.maxTokens);
    const ids = [...kept, ...new Array<number>(this.maxTokens - kept.length).fill(this.padId)];
    const mask = ids.map((_, i) => (i < kept.length ? 1 : 0));
    return { ids, mask, length: kept.length, truncated, text };
  }
}

function chatTemplateText(dir: string, config: Record<string, unknown> | undefined, problems: string[]): string | undefined {
  const inConfig = config?.chat_template;
  if (typeof inConfig === 'string') return inConfig;
  if (Array.isArray(inConfig)) {
    const named = inConfig.find((t: { name?: unknown }) => t?.name === 'default') as { template?: unknown } | undefined;
    if (typeof named?.template === 'string') return named.template;
  }
  const jinja = join(dir, 'chat_template.jinja');
  if (existsSync(jinja)) return readFileSync(jinja, 'utf8');
  const json = join(dir, 'chat_template.json');
  if (existsSync(json)) {
    try {
      const t = (JSON.parse(readFileSync(json, 'utf8')) as { chat_template?: unknown }).chat_template;
      if (typeof t === 'string') return t;
    } catch {
      /* reported below */
    }
  }
  problems.push(`${dir} has no chat template (tokenizer_config.json "chat_template", chat_template.jinja or chat_template.json); the FLUX.2 prompt format comes from it.`);
  return undefined;
}
