import { parseArgs } from 'node:util';
import { formatModelRun, modelRun } from '@lora-studio/models';
import { CommandFailed } from './call';
import { UsageError, type Command } from './command';
import { say } from './terminal-text';

export const modelRunCommand: Command = {
  name: 'model run',
  summary: 'Run the FLUX.2 transformer on inputs from a safetensors file (checks against references).',
  help: `Usage: lora-studio model run --weights W.safetensors [--config C.json] --inputs IN.safetensors --out OUT.safetensors
                        [--lora L.safetensors --lora-scale S] [--grad-lora] [--dtype float32|float64] [--threads N]

IN holds img [B,N,C], img_ids [B,N,4], txt [B,L,Ctx], txt_ids [B,L,4], timesteps [B] and, for guidance-distilled
configs, guidance [B]. OUT gets out [B,N,C]; with --grad-lora also the gradient of 0.5·sum(out²) with respect to
every LoRA tensor, under its diffusers/PEFT export name. Weights may use BFL or diffusers names; the config is read
from the tensor shapes unless --config is given.`,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        weights: { type: 'string' },
        config: { type: 'string' },
        inputs: { type: 'string' },
        out: { type: 'string' },
        lora: { type: 'string' },
        'lora-scale': { type: 'string' },
        'grad-lora': { type: 'boolean', default: false },
        dtype: { type: 'string' },
        threads: { type: 'string' },
      },
    });
    if (!values.weights || !values.inputs || !values.out) throw new UsageError('--weights, --inputs and --out are required.');
    if (values.dtype && values.dtype !== 'float32' && values.dtype !== 'float64') throw new UsageError('--dtype must be float32 or float64.');
    const scale = values['lora-scale'] === undefined ? undefined : Number(values['lora-scale']);
    if (scale !== undefined && !Number.isFinite(scale)) throw new UsageError('--lora-scale must be a number.');
    const threads = values.threads === undefined ? undefined : Number(values.threads);
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError('--threads must be a positive integer.');
    try {
      const result = await modelRun({
        weights: values.weights,
        inputs: values.inputs,
        out: values.out,
        gradLora: values['grad-lora'] ?? false,
        ...(values.config ? { config: values.config } : {}),
        ...(values.lora ? { lora: values.lora } : {}),
        ...(scale !== undefined ? { loraScale: scale } : {}),
        ...(values.dtype ? { dtype: values.dtype as 'float32' | 'float64' } : {}),
        ...(threads !== undefined ? { threads } : {}),
      });
      say(formatModelRun(result, values.out));
    } catch (err) {
      throw new CommandFailed(err instanceof Error ? err.message : String(err));
    }
    return 0;
  },
};
