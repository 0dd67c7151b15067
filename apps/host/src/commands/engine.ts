import { parseArgs } from 'node:util';
import { diagnoseProviders, formatProviderReport, runEngineSelftest } from '@lora-studio/onnx';
import { UsageError, type Command } from './command';

export const engineSelftestCommand: Command = {
  name: 'engine selftest',
  summary: 'Check the training engine: gradients vs finite differences, then 20 training steps.',
  help: `Usage: lora-studio engine selftest [--provider cuda|cpu] [--threads N]

Builds a small pre-LN transformer with LoRA (rank 8 on q, k, v, o and both MLP linears), compares its LoRA gradients
with float64 finite differences, then trains 20 steps and prints the falling loss. Uses CUDA when its provider loads,
the CPU otherwise (the reason is printed). Exit code 1 when a check fails.`,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { provider: { type: 'string' }, threads: { type: 'string' } } });
    const threads = values.threads === undefined ? undefined : Number(values.threads);
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError('--threads must be a positive integer.');
    if (values.provider && !['cuda', 'cpu', 'webgpu'].includes(values.provider)) throw new UsageError('--provider must be cuda, webgpu or cpu.');
    const result = await runEngineSelftest((line) => console.log(line), {
      ...(values.provider ? { providers: [values.provider as 'cuda'] } : {}),
      ...(threads ? { threads } : {}),
    });
    return result.ok ? 0 : 1;
  },
};

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'Report which execution providers (CUDA, WebGPU, CPU) load here, and why not.',
  help: `Usage: lora-studio doctor [--json]

Tries each execution provider onnxruntime-node offers on this platform with a one-node graph and says which work.
For CUDA on Linux x64 it names what is missing (the provider libraries: run npm run gpu:install; CUDA/cuDNN runtime).`,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } });
    const report = await diagnoseProviders();
    if (values.json) console.log(JSON.stringify(report));
    else for (const line of formatProviderReport(report)) console.log(line);
    return 0;
  },
};
