// LoRA: ΔW = (alpha / rank) · B·A with A (lora_A, "down") [rank, in] and B (lora_B, "up") [out, rank].
import type { AdapterLayer, AdapterSettings, AdapterTarget, AdapterType } from './adapter-type';
import type { LoraLayer } from '../lora/adapter';

function asLora(layer: AdapterLayer): LoraLayer {
  if ('kind' in layer) throw new Error(`Layer ${layer.path} is a ${layer.kind} adapter, not a LoRA.`);
  return layer;
}

export const LORA_ADAPTER: AdapterType = {
  kind: 'lora',
  label: 'LoRA (low-rank pair)',
  roles: ['lora_A', 'lora_B'],
  tensors: (t: AdapterTarget, s: AdapterSettings) => [
    { role: 'lora_A', shape: [s.rank, t.inDim] },
    { role: 'lora_B', shape: [t.outDim, s.rank] },
  ],
  // B = 0 so the model starts unchanged; A is Kaiming-uniform (PEFT's default, bound 1/sqrt(in)) or Gaussian with
  // std 1/rank (PEFT's "gaussian").
  init(t, s, rng) {
    const down = new Float32Array(s.rank * t.inDim);
    if ((s.init ?? 'kaiming') === 'kaiming') rng.fillUniform(down, -1 / Math.sqrt(t.inDim), 1 / Math.sqrt(t.inDim));
    else rng.fillNormal(down, 1 / s.rank);
    return [down, new Float32Array(t.outDim * s.rank)];
  },
  dims: (shapes) => ({ inDim: shapes.lora_A![1]!, outDim: shapes.lora_B![0]! }),
  layer: (t, s, [down, up]) => ({ path: t.path, inDim: t.inDim, outDim: t.outDim, rank: s.rank, alpha: s.alpha, down: down!, up: up! }),
  scale: (layer) => layer.alpha / layer.rank,
  graphLayer: ([down, up], scale) => ({ down: down!, up: up!, scale }),
  delta(layer) {
    const { inDim, outDim, rank, up, down } = asLora(layer);
    const s = layer.alpha / layer.rank;
    const out = new Float64Array(outDim * inDim);
    for (let o = 0; o < outDim; o++) {
      for (let r = 0; r < rank; r++) {
        const b = up[o * rank + r]! * s;
        if (b === 0) continue;
        const row = o * inDim;
        const a = r * inDim;
        for (let i = 0; i < inDim; i++) out[row + i]! += b * down[a + i]!;
      }
    }
    return out;
  },
  fileTensors(layer) {
    const l = asLora(layer);
    return [
      { role: 'lora_down.weight', shape: [l.rank, l.inDim], data: l.down },
      { role: 'lora_up.weight', shape: [l.outDim, l.rank], data: l.up },
    ];
  },
};
