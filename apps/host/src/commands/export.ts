import { loraExportPrecisions, type LoraExportPrecision } from '@lora-studio/api';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportCheckpoint, isLoraFormat } from '@lora-studio/core';
import { UsageError, type Command } from './command';
import { orFail } from './grid';
import { say, terminalJson } from './terminal-text';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export a checkpoint of a run as a LoRA file (diffusers/PEFT, BFL+PEFT or kohya) with full metadata.',
  help: `Usage: lora-studio export RUN_DIR --step N|best --format peft|bfl|kohya [--out FILE | --out-dir DIR] [--precision bf16|fp16|fp32] [--ema] [--json]

--step best takes the favourite checkpoint (marked in the studio), else the best score from "lora-studio score",
else the latest checkpoint; the output says which.
--ema: export the moving average of the adapter (runs trained with --ema DECAY) instead of its trained tensors.
--precision: bf16 (default; half of fp32's size, as LoRAs are usually shared), fp16, or fp32 (exact).
Without --out the file goes to DIR (default RUN_DIR/exports) as <project>-<trigger>-step<N>-<format>.safetensors.
  peft   diffusers/PEFT names (transformer.…lora_A/lora_B), diffusers' load_lora_weights
  bfl    BFL names with PEFT suffixes (diffusion_model.…), ai-toolkit and ComfyUI
  kohya  lora_unet_… lora_down/lora_up/.alpha, ComfyUI and kohya/musubi tools
Metadata: trigger word, base model, rank/alpha, steps, resolution, tag frequency, dataset hash, training config.
Example: lora-studio export runs/flt --step best --format kohya --out flt.safetensors`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { step: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, 'out-dir': { type: 'string' }, precision: { type: 'string' }, ema: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    if (positionals.length !== 1) throw new UsageError('Give exactly one run folder.');
    if (!values.step || !(values.step === 'best' || /^\d+$/.test(values.step))) throw new UsageError('--step must be a step number or "best".');
    if (!values.format || !isLoraFormat(values.format)) throw new UsageError('--format must be peft, bfl or kohya.');
    const precision = values.precision as LoraExportPrecision | undefined;
    if (precision !== undefined && !loraExportPrecisions.includes(precision)) throw new UsageError('--precision must be bf16, fp16 or fp32.');
    const r = await orFail(async () => exportCheckpoint({
      runDir: resolve(positionals[0]!), step: values.step === 'best' ? 'best' : Number(values.step), format: values.format as 'kohya',
      out: values.out, outDir: values['out-dir'], precision, weights: values.ema ? 'ema' : 'trained',
    }));
    if (values.json) say(terminalJson(r));
    else say(`Exported step ${r.step} (${r.reason}) as ${r.format} (${r.precision}): ${r.path}\n  ${r.keyCount} tensors, ${(r.bytes / 1024).toFixed(1)} KiB, trigger "${r.metadata['modelspec.trigger_phrase'] ?? ''}"`);
    return 0;
  },
};
