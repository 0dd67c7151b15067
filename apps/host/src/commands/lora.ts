import { parseArgs } from 'node:util';
import { formatLoraConvert, formatLoraInspection, loraConvert, loraInspect, type LoraInspection } from '@lora-studio/models';
import { CommandFailed } from './call';
import { UsageError, type Command } from './command';
import { oneLine, say, terminalJson } from './terminal-text';

/** Library errors here are about the user's files (wrong format, stray keys): show them without a stack. */
function asCommandError(err: unknown): never {
  throw new CommandFailed(err instanceof Error ? err.message : String(err));
}

/** Everything a LoRA header or a tensor name put into the inspection, made safe to show field by field. */
function forTerminal(r: LoraInspection): LoraInspection {
  const safe = (v: string | undefined) => (v === undefined ? undefined : oneLine(v));
  return {
    ...r,
    file: oneLine(r.file),
    architecture: safe(r.architecture),
    triggerWord: safe(r.triggerWord),
    metadata: Object.fromEntries(Object.entries(r.metadata).map(([k, v]) => [oneLine(k), oneLine(v)])),
    problems: r.problems.map(oneLine),
  };
}

export const loraConvertCommand: Command = {
  name: 'lora convert',
  summary: 'Convert a LoRA file between diffusers/PEFT, BFL+PEFT and kohya formats.',
  help: `Usage: lora-studio lora convert IN --to peft|bfl|kohya --out OUT [--dtype f32|f16|bf16] [--rank R]

Reads a FLUX.2 LoRA in any of the three formats and writes it in another. Fused and split q/k/v convert exactly.
  peft   diffusers/PEFT names (transformer.…lora_A/lora_B), loads with diffusers' load_lora_weights
  bfl    BFL names with PEFT suffixes (diffusion_model.…), ai-toolkit and ComfyUI
  kohya  lora_unet_… lora_down/lora_up/.alpha, ComfyUI and kohya/musubi tools
LoKr and LoHa files (LyCORIS keys) convert exactly between bfl and kohya naming. LoRA pairs cannot hold them exactly;
--rank R writes the closest rank-R pairs instead (truncated SVD) and prints the relative error it introduces.
Example: lora-studio lora convert my-lora.safetensors --to kohya --out my-lora-kohya.safetensors`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { to: { type: 'string' }, out: { type: 'string' }, dtype: { type: 'string' }, rank: { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new UsageError('Give exactly one input LoRA file.');
    if (!values.to || !values.out) throw new UsageError('--to and --out are required.');
    try {
      say(formatLoraConvert(loraConvert({ input: positionals[0]!, to: values.to, out: values.out, ...(values.dtype ? { dtype: values.dtype } : {}), ...(values.rank ? { rank: Number(values.rank) } : {}) })));
    } catch (err) {
      asCommandError(err);
    }
    return 0;
  },
};

export const loraInspectCommand: Command = {
  name: 'lora inspect',
  summary: 'Show a LoRA file’s format, layers, rank, alpha and metadata.',
  help: `Usage: lora-studio lora inspect FILE [--json]

Prints the detected format (peft, bfl, kohya), the layers with rank and alpha, size, and the header metadata.
Numbers no tool can use (NaN or infinite weights; a NaN, infinite, zero or negative alpha) are listed as problems,
by tensor, and the exit code is then 1.`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
    if (positionals.length !== 1) throw new UsageError('Give exactly one LoRA file.');
    let r: LoraInspection;
    try {
      r = loraInspect({ file: positionals[0]! });
    } catch (err) {
      asCommandError(err);
    }
    say(values.json ? terminalJson(r) : formatLoraInspection(forTerminal(r)));
    return r.problems.length > 0 ? 1 : 0;
  },
};
