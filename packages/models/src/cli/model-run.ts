// `lora-studio model run --weights W.safetensors [--config C.json] --inputs IN.safetensors --out OUT.safetensors
//   [--lora L.safetensors --lora-scale S] [--grad-lora] [--dtype float32|float64]`
// One forward pass of the transformer on given inputs (and, with --grad-lora, the gradient of 0.5·sum(out²)
// w.r.t. every LoRA tensor, under the LoRA file's own names and shapes). Used to check the model against references.
import { readFileSync } from 'node:fs';
import { Graph, createSession, gradients, hostTensor, mul, reduceSum, serializeGraph, type Tensor } from '@lora-studio/onnx';
import { SafetensorsFile, fromFloat32, toNumbers, writeSafetensorsFile, type TensorToWrite } from '@lora-studio/onnx';
import { parseFlux2Config, type Flux2Config } from '../flux2/config';
import { openFlux2Checkpoint } from '../flux2/checkpoint';
import { addFlux2Inputs, buildFlux2 } from '../flux2/graph';
import { addFlux2Weights, addLoraFileInputs, flux2WeightSession } from '../flux2/graph-weights';
import { flux2LinearLayers } from '../flux2/weights';
import { loadLora, readLoraFileParts } from '../lora/files';
import type { LoraAdapter } from '../lora/adapter';

export interface ModelRunArgs {
  weights: string;
  config?: string;
  inputs: string;
  out: string;
  lora?: string;
  loraScale?: number;
  gradLora?: boolean;
  dtype?: 'float32' | 'float64';
  threads?: number;
}

export interface ModelRunResult {
  provider: string;
  fallbacks: { provider: string; reason: string }[];
  runMs: number;
  batch: number;
  imageTokens: number;
  textTokens: number;
  /** Names written to the output file. */
  written: string[];
}

export async function modelRun(args: ModelRunArgs): Promise<ModelRunResult> {
  const dtype = args.dtype ?? 'float32';
  const config = args.config ? parseFlux2Config(JSON.parse(readFileSync(args.config, 'utf8'))) : undefined;
  const checkpoint = openFlux2Checkpoint(args.weights, { config });
  try {
    const c = checkpoint.config;
    const inputs = readModelInputs(args.inputs, c);
    const adapter = args.lora ? loadLora(args.lora).adapter : undefined;
    if (adapter) checkAdapterFits(adapter, c, args.lora!);

    const g = new Graph('flux2_run');
    const x = addFlux2Inputs(g, c, dtype, { batch: inputs.B, imageTokens: inputs.N, textTokens: inputs.L });
    const weights = addFlux2Weights(g, c, dtype, { kind: 'checkpoint', checkpoint });
    // The file's own tensors as inputs, so --grad-lora answers in the file's names and shapes (a PEFT q/k/v split
    // stays three pairs rather than the fused layer the studio works with).
    const lora = args.lora ? addLoraFileInputs(g, readLoraFileParts(args.lora).layers, dtype, args.loraScale ?? 1, args.lora) : undefined;
    const out = buildFlux2(g, x, { config: c, weights, lora: lora?.layers });
    const outputs: Tensor[] = [g.output(out, 'out')];
    const gradNames: string[] = [];
    if (args.gradLora) {
      if (!lora) throw new Error('--grad-lora needs --lora: there are no LoRA tensors to differentiate.');
      const loss = mul(reduceSum(mul(out, out), undefined, { keepdims: false }), 0.5);
      gradients(loss, lora.tensors).forEach((grad, i) => {
        gradNames.push(lora.tensors[i]!.name);
        outputs.push(g.output(grad, `grad:${lora.tensors[i]!.name}`));
      });
    }
    const stored = flux2WeightSession({ kind: 'checkpoint', checkpoint });
    const session = await createSession(serializeGraph(g, { externalDataFolder: stored.externalDataFolder }), {
      ...stored, threads: args.threads, optimization: dtype === 'float64' ? 'basic' : 'all',
    });
    const typed = (v: Float64Array) => (dtype === 'float64' ? v : Float32Array.from(v));
    const feeds: Record<string, ReturnType<typeof hostTensor>> = {};
    for (const [name, t] of Object.entries(inputs.tensors)) feeds[name] = hostTensor(dtype, t.shape, typed(t.data));
    for (const [name, v] of lora?.values ?? []) feeds[name] = hostTensor(dtype, v.shape, dtype === 'float64' ? Float64Array.from(v.data) : v.data);
    const { outputs: result, ms } = await session.run(feeds);
    await session.release();

    const fileDtype = dtype === 'float64' ? 'F64' : 'F32';
    const write: Record<string, TensorToWrite> = {};
    const put = (name: string, from: string) => {
      const t = result[from]!;
      write[name] = { dtype: fileDtype, shape: t.dims.map(Number), data: fromFloat32(fileDtype, t.data as Float32Array | Float64Array) };
    };
    put('out', 'out');
    for (const name of gradNames) put(name, `grad:${name}`);
    writeSafetensorsFile(args.out, write, { producer: 'lora-studio model run', dtype });
    return {
      provider: session.provider, fallbacks: [...session.fallbacks], runMs: ms,
      batch: inputs.B, imageTokens: inputs.N, textTokens: inputs.L, written: Object.keys(write),
    };
  } finally {
    checkpoint.close();
  }
}

interface ModelInputs {
  B: number;
  N: number;
  L: number;
  tensors: Record<string, { shape: number[]; data: Float64Array }>;
}

/** Reads and checks img, img_ids, txt, txt_ids, timesteps (and guidance) from a safetensors file. */
export function readModelInputs(path: string, c: Flux2Config): ModelInputs {
  const file = SafetensorsFile.open(path);
  try {
    const get = (name: string) => {
      if (!file.has(name)) throw new Error(`${path} has no tensor "${name}". It needs img, img_ids, txt, txt_ids, timesteps${c.guidanceEmbed ? ', guidance' : ''}.`);
      const info = file.info(name);
      return { shape: info.shape, data: toNumbers(info.dtype, file.readBytes(name)) };
    };
    const img = get('img');
    const [B, N] = img.shape as [number, number];
    const txt = get('txt');
    const L = txt.shape[1]!;
    const tensors: ModelInputs['tensors'] = { img, img_ids: get('img_ids'), txt, txt_ids: get('txt_ids'), timesteps: get('timesteps') };
    if (c.guidanceEmbed) tensors.guidance = get('guidance');
    const expected: Record<string, number[]> = {
      img: [B, N, c.inChannels], img_ids: [B, N, 4], txt: [B, L, c.contextDim], txt_ids: [B, L, 4], timesteps: [B], guidance: [B],
    };
    for (const [name, t] of Object.entries(tensors)) {
      if (t.shape.join(',') !== expected[name]!.join(',')) {
        throw new Error(`${path}: "${name}" is [${t.shape}] but the model needs [${expected[name]}] (B=${B}, N=${N}, L=${L}).`);
      }
    }
    return { B, N, L, tensors };
  } finally {
    file.close();
  }
}

function checkAdapterFits(adapter: LoraAdapter, c: Flux2Config, path: string): void {
  const layers = new Map(flux2LinearLayers(c).map((l) => [l.path, l]));
  for (const l of adapter.layers) {
    const target = layers.get(l.path);
    if (!target) throw new Error(`${path} has a LoRA for ${l.path}, which this model does not have (is it for a larger model?).`);
    if (target.inDim !== l.inDim || target.outDim !== l.outDim) {
      throw new Error(`${path}: the LoRA for ${l.path} is ${l.outDim}×${l.inDim} but the layer is ${target.outDim}×${target.inDim}; it was trained for another model.`);
    }
  }
}

export function formatModelRun(r: ModelRunResult, out: string): string {
  const fallback = r.fallbacks.map((f) => `\n  (${f.provider} unavailable: ${f.reason})`).join('');
  return `Ran FLUX.2 on B=${r.batch}, N=${r.imageTokens}, L=${r.textTokens} with ${r.provider} in ${r.runMs.toFixed(1)} ms; wrote ${r.written.length} tensors to ${out}${fallback}`;
}
