import type { ComputeDevice } from '@lora-studio/api';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Which execution provider the engine would pick, without creating a session: CUDA needs the provider
 * libraries beside onnxruntime's own (ENVIRONMENT.md, "GPU"); otherwise the CPU provider, which always ships.
 */
export function detectComputeDevice(): ComputeDevice {
  const fallbacks: string[] = [];
  const threads = Math.max(1, availableParallelism());
  try {
    const require = createRequire(import.meta.url);
    const ortDir = dirname(require.resolve('onnxruntime-node/package.json'));
    const binDir = join(ortDir, 'bin', 'napi-v6', process.platform, process.arch);
    if (process.platform === 'linux' && process.arch === 'x64') {
      const cudaLib = join(binDir, 'libonnxruntime_providers_cuda.so');
      if (existsSync(cudaLib)) {
        return { provider: 'cuda', label: 'NVIDIA GPU (CUDA)', fallbacks };
      }
      fallbacks.push('CUDA: the CUDA provider libraries are not installed (run `npm run gpu:install` on a machine with an NVIDIA GPU).');
    } else {
      fallbacks.push(`CUDA: not available for ${process.platform}-${process.arch}.`);
    }
  } catch {
    fallbacks.push('onnxruntime-node is not installed: run `npm ci`.');
  }
  return { provider: 'cpu', label: `CPU (${threads} threads)`, fallbacks };
}

/**
 * Total memory of the first NVIDIA GPU in bytes, from nvidia-smi (the driver's own tool; onnxruntime-node does not
 * report it). Undefined when there is no such GPU or no driver.
 */
export function gpuMemoryBytes(): number | undefined {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=memory.total', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    const mib = Number(out.split('\n')[0]!.trim());
    return Number.isFinite(mib) && mib > 0 ? mib * 1024 * 1024 : undefined;
  } catch {
    return undefined;
  }
}

