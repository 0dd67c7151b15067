import { parseArgs } from 'node:util';
import { formatLoraConvert, formatLoraInspection, loraConvert, loraInspect } from '@lora-studio/models';
import { CommandFailed } from './call';
import { UsageError, type Command } from './command';

/** Library errors here are about the user's files (wrong format, stray keys): show them without a stack. */
function asCommandError(err: unknown): never {
  throw new CommandFailed(err instanceof Error ? err.message : String(err));
}

export const loraConvertCommand: Command = {
  name: 'lora convert',
  summary: 'Convert a LoRA file between diffusers/PEFT, BFL+PEFT and kohya formats.',
  help: `Usage: lora-studio lora convert IN --to peft|bfl|kohya --out OUT [--dtype f32|f16|bf16]

Reads a FLUX.2 LoRA in any of the three formats and writes it in another. Fused and split q/k/v convert exactly.
  peft   diffusers/PEFT names (transformer.…lora_A/lora_B), loads with diffusers' load_lora_weights
  bfl    BFL names with PEFT suffixes (diffusion_model.…), ai-toolkit and ComfyUI
  kohya  lora_unet_… lora_down/lora_up/.alpha, ComfyUI and kohya/musubi tools
Example: lora-studio lora convert my-lora.safetensors --to kohya --out my-lora-kohya.safetensors`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { to: { type: 'string' }, out: { type: 'string' }, dtype: { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new UsageError('Give exactly one input LoRA file.');
    if (!values.to || !values.out) throw new UsageError('--to and --out are required.');
    try {
      console.log(formatLoraConvert(loraConvert({ input: positionals[0]!, to: values.to, out: values.out, ...(values.dtype ? { dtype: values.dtype } : {}) })));
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

Prints the detected format (peft, bfl, kohya), the layers with rank and alpha, size, and the header metadata.`,
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
    if (positionals.length !== 1) throw new UsageError('Give exactly one LoRA file.');
    try {
      const r = loraInspect({ file: positionals[0]! });
      console.log(values.json ? JSON.stringify(r) : formatLoraInspection(r));
    } catch (err) {
      asCommandError(err);
    }
    return 0;
  },
};
