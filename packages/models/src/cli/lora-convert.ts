// `lora-studio lora convert IN --to peft|bfl|kohya --out OUT [--dtype f32|f16|bf16]`
import { loadAdapter, saveLora } from '../lora/files';
import { adapterKindOf } from '../adapter/adapter-type';
import { lowRankApproximation } from '../adapter/low-rank-approximation';
import { LORA_FORMATS, type LoraFormat } from '../lora/formats';

export interface LoraConvertArgs {
  input: string;
  to: string;
  out: string;
  dtype?: string;
  /** Turn a LoKr or LoHa into LoRA pairs of this rank (an approximation; its error is reported). */
  rank?: number;
}

export interface LoraConvertResult {
  from: LoraFormat;
  to: LoraFormat;
  layers: number;
  out: string;
  /** With `rank`: the largest relative error ‖ΔW − B·A‖ / ‖ΔW‖ over the layers, and its layer. */
  approximation?: { rank: number; worstRelativeError: number; layer: string };
}

const DTYPES = { f32: 'F32', f16: 'F16', bf16: 'BF16' } as const;

export function loraConvert(args: LoraConvertArgs): LoraConvertResult {
  if (!(LORA_FORMATS as readonly string[]).includes(args.to)) {
    throw new Error(`--to must be one of ${LORA_FORMATS.join(', ')} (got "${args.to}").`);
  }
  const dtypeKey = (args.dtype ?? 'f32').toLowerCase();
  if (!Object.hasOwn(DTYPES, dtypeKey)) throw new Error(`--dtype must be f32, f16 or bf16 (got "${args.dtype}").`);
  const { adapter, format } = loadAdapter(args.input);
  const kind = adapter.layers[0] ? adapterKindOf(adapter.layers[0]) : 'lora';
  if (args.rank !== undefined) {
    if (!Number.isInteger(args.rank) || args.rank < 1) throw new Error(`--rank must be a positive whole number (got ${args.rank}).`);
    if (kind === 'lora') throw new Error(`${args.input} is already LoRA pairs; --rank turns a LoKr or LoHa into them. Leave --rank out to convert it exactly.`);
    const approximations = adapter.layers.map((l) => lowRankApproximation(l, args.rank!));
    const worst = approximations.reduce((w, a) => (a.relativeError > w.relativeError ? a : w));
    saveLora(args.out, { layers: approximations.map((a) => a.layer), metadata: adapter.metadata }, args.to as LoraFormat, { dtype: DTYPES[dtypeKey as keyof typeof DTYPES] });
    return {
      from: format, to: args.to as LoraFormat, layers: adapter.layers.length, out: args.out,
      approximation: { rank: args.rank, worstRelativeError: worst.relativeError, layer: worst.layer.path },
    };
  }
  if (kind !== 'lora' && args.to === 'peft') {
    // kron(W1, W2) and (B1A1) ⊙ (B2A2) reach ranks far above any LoRA pair of the same size: no exact conversion.
    throw new Error(`${args.input} is a ${kind === 'lokr' ? 'LoKr' : 'LoHa'}, which LoRA pairs (diffusers/PEFT naming) cannot hold exactly. Convert it to bfl or kohya naming, which keep its LyCORIS keys, or approximate it with LoRA pairs of a rank (--rank R), which prints the error.`);
  }
  saveLora(args.out, adapter, args.to as LoraFormat, { dtype: DTYPES[dtypeKey as keyof typeof DTYPES] });
  return { from: format, to: args.to as LoraFormat, layers: adapter.layers.length, out: args.out };
}

export function formatLoraConvert(r: LoraConvertResult): string {
  const approximated = r.approximation
    ? `\n  as rank-${r.approximation.rank} LoRA pairs, not exact: the largest relative error is ${(100 * r.approximation.worstRelativeError).toFixed(2)} % (${r.approximation.layer})`
    : '';
  return `Converted ${r.layers} adapter layers from ${r.from} to ${r.to}: ${r.out}${approximated}`;
}
