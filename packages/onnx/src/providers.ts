// Which execution providers load on this machine, and why the others do not (printed by `lora-studio doctor`).

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Graph } from './graph';
import { add } from './ops';
import { serializeGraph } from './serialize';
import { createSession, hostTensor, type ProviderName } from './session';

export interface ProviderDiagnosis {
  provider: ProviderName;
  works: boolean;
  /** Why it does not work (the loader's own words), or what it ran. */
  detail: string;
  /** What the user can do about it. */
  hint?: string;
}

export interface ProviderReport {
  onnxruntimeVersion: string;
  platform: string;
  bindingFolder: string;
  providers: ProviderDiagnosis[];
}

const CANDIDATES: Record<string, ProviderName[]> = {
  linux: ['cuda', 'webgpu', 'cpu'],
  win32: ['cuda', 'dml', 'webgpu', 'cpu'],
  darwin: ['coreml', 'webgpu', 'cpu'],
};

export function onnxruntimeBindingFolder(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

/** Tries a one-node graph on every provider this platform could have. */
export async function diagnoseProviders(): Promise<ProviderReport> {
  const g = new Graph('probe');
  g.output(add(g.input('x', 'float32', [4]), 1), 'y');
  const model = serializeGraph(g);
  const bindingFolder = onnxruntimeBindingFolder();
  const providers: ProviderDiagnosis[] = [];
  for (const provider of CANDIDATES[process.platform] ?? ['cpu']) {
    try {
      const s = await createSession(model, { providers: [provider], threads: 1 });
      const { outputs, ms } = await s.run({ x: hostTensor('float32', [4], [1, 2, 3, 4]) });
      await s.release();
      const ok = (outputs.y.data as Float32Array)[3] === 5;
      providers.push({ provider, works: ok, detail: ok ? `ran a test graph in ${ms.toFixed(1)} ms` : 'ran but returned a wrong result' });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const reason = message.replace(/^No execution provider could run this graph \((.*)\)\.$/s, '$1').replace(`${provider}: `, '');
      providers.push({ provider, works: false, detail: reason, hint: hintFor(provider, bindingFolder) });
    }
  }
  return { onnxruntimeVersion: ort.env.versions.common, platform: `${process.platform}-${process.arch}`, bindingFolder, providers };
}

function hintFor(provider: ProviderName, bindingFolder: string): string | undefined {
  if (provider === 'cuda') {
    const lib = path.join(bindingFolder, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so');
    if (!existsSync(lib)) {
      return `The CUDA provider library is not installed (${lib} is missing). On a machine with an NVIDIA GPU run ` +
        '`npm run gpu:install` (offline package; see packages/onnx/scripts/gpu-install.mjs for the version pairing) or reinstall onnxruntime-node with network access so it fetches its CUDA providers.';
    }
    return 'The provider library is present but did not load: check the NVIDIA driver, CUDA runtime and cuDNN 9 libraries (ldd on the .so names what is missing).';
  }
  if (provider === 'webgpu') return 'WebGPU needs a GPU driver with Vulkan (Linux), D3D12 (Windows) or Metal (macOS); software renderers are refused.';
  return undefined;
}

/** The report as lines for a terminal. */
export function formatProviderReport(r: ProviderReport): string[] {
  return [
    `onnxruntime-node ${r.onnxruntimeVersion} on ${r.platform} (${r.bindingFolder})`,
    ...r.providers.flatMap((p) => [
      `  ${p.works ? 'ok  ' : 'no  '} ${p.provider.padEnd(7)} ${p.detail}`,
      ...(p.hint ? [`       ${' '.repeat(7)} → ${p.hint}`] : []),
    ]),
  ];
}
