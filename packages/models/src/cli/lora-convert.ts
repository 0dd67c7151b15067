// `lora-studio lora convert IN --to peft|bfl|kohya --out OUT [--dtype f32|f16|bf16]`
import { loadAdapter, saveLora } from '../lora/files';
import { adapterKindOf } from '../adapter/adapter-type';
import { LORA_FORMATS, type LoraFormat } from '../lora/formats';

export interface LoraConvertArgs {
  input: string;
  to: string;
  out: string;
  dtype?: string;
}

export interface LoraConvertResult {
  from: LoraFormat;
  to: LoraFormat;
  layers: number;
  out: string;
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
  if (kind !== 'lora' && args.to === 'peft') {
    // kron(W1, W2) and (B1A1) ⊙ (B2A2) reach ranks far above any LoRA pair of the same size: no exact conversion.
    throw new Error(`${args.input} is a ${kind === 'lokr' ? 'LoKr' : 'LoHa'}, which LoRA pairs (diffusers/PEFT naming) cannot hold exactly. Convert it to bfl or kohya naming, which keep its LyCORIS keys.`);
  }
  saveLora(args.out, adapter, args.to as LoraFormat, { dtype: DTYPES[dtypeKey as keyof typeof DTYPES] });
  return { from: format, to: args.to as LoraFormat, layers: adapter.layers.length, out: args.out };
}

export function formatLoraConvert(r: LoraConvertResult): string {
  return `Converted ${r.layers} adapter layers from ${r.from} to ${r.to}: ${r.out}`;
}
