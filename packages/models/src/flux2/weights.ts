// The FLUX.2 transformer's weights in BFL naming (our internal naming), with shapes, for any config.
import { mlpHidden, type Flux2Config } from './config';

export interface WeightSpec {
  /** BFL name, e.g. "double_blocks.0.img_attn.qkv.weight". */
  name: string;
  shape: number[];
  /** "linear" weights are [out, in] matrices a LoRA can target; "scale" are QK RMSNorm gains. */
  kind: 'linear' | 'scale';
}

/** Every Linear layer (BFL path without ".weight") with its in/out dims, in model order. */
export interface LinearLayer {
  path: string;
  inDim: number;
  outDim: number;
  /** Where the layer sits: used by LoRA target presets. */
  role: LinearRole;
}

export type LinearRole =
  | 'embedder' | 'modulation' | 'final'
  | 'attn-qkv' | 'attn-proj' | 'mlp-in' | 'mlp-out'
  | 'single-linear1' | 'single-linear2';

export function flux2LinearLayers(c: Flux2Config): LinearLayer[] {
  const D = c.hiddenSize;
  const M = mlpHidden(c);
  const layers: LinearLayer[] = [
    { path: 'img_in', inDim: c.inChannels, outDim: D, role: 'embedder' },
    { path: 'txt_in', inDim: c.contextDim, outDim: D, role: 'embedder' },
    { path: 'time_in.in_layer', inDim: c.timestepDim, outDim: D, role: 'embedder' },
    { path: 'time_in.out_layer', inDim: D, outDim: D, role: 'embedder' },
  ];
  if (c.guidanceEmbed) {
    layers.push(
      { path: 'guidance_in.in_layer', inDim: c.timestepDim, outDim: D, role: 'embedder' },
      { path: 'guidance_in.out_layer', inDim: D, outDim: D, role: 'embedder' },
    );
  }
  layers.push(
    { path: 'double_stream_modulation_img.lin', inDim: D, outDim: 6 * D, role: 'modulation' },
    { path: 'double_stream_modulation_txt.lin', inDim: D, outDim: 6 * D, role: 'modulation' },
    { path: 'single_stream_modulation.lin', inDim: D, outDim: 3 * D, role: 'modulation' },
  );
  for (let i = 0; i < c.numDoubleBlocks; i++) {
    for (const s of ['img', 'txt']) {
      const p = `double_blocks.${i}.${s}`;
      layers.push(
        { path: `${p}_attn.qkv`, inDim: D, outDim: 3 * D, role: 'attn-qkv' },
        { path: `${p}_attn.proj`, inDim: D, outDim: D, role: 'attn-proj' },
        { path: `${p}_mlp.0`, inDim: D, outDim: 2 * M, role: 'mlp-in' },
        { path: `${p}_mlp.2`, inDim: M, outDim: D, role: 'mlp-out' },
      );
    }
  }
  for (let i = 0; i < c.numSingleBlocks; i++) {
    layers.push(
      { path: `single_blocks.${i}.linear1`, inDim: D, outDim: 3 * D + 2 * M, role: 'single-linear1' },
      { path: `single_blocks.${i}.linear2`, inDim: D + M, outDim: D, role: 'single-linear2' },
    );
  }
  layers.push(
    { path: 'final_layer.adaLN_modulation.1', inDim: D, outDim: 2 * D, role: 'final' },
    { path: 'final_layer.linear', inDim: D, outDim: c.outChannels, role: 'final' },
  );
  return layers;
}

export function flux2WeightSpecs(c: Flux2Config): WeightSpec[] {
  const specs: WeightSpec[] = flux2LinearLayers(c).map((l) => ({ name: `${l.path}.weight`, shape: [l.outDim, l.inDim], kind: 'linear' }));
  const norms = (prefix: string) => ['query_norm', 'key_norm'].map((n): WeightSpec => ({ name: `${prefix}.norm.${n}.scale`, shape: [c.headDim], kind: 'scale' }));
  for (let i = 0; i < c.numDoubleBlocks; i++) specs.push(...norms(`double_blocks.${i}.img_attn`), ...norms(`double_blocks.${i}.txt_attn`));
  for (let i = 0; i < c.numSingleBlocks; i++) specs.push(...norms(`single_blocks.${i}`));
  return specs;
}

export function flux2ParameterCount(c: Flux2Config): number {
  return flux2WeightSpecs(c).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}
