// Rewrite BFL-named weights into diffusers naming (the inverse of what the checkpoint loader does lazily).
import { bflToDiffusers, splitTensorName } from './naming';

export interface DenseTensor {
  shape: number[];
  data: Float32Array;
}

export function bflToDiffusersWeights(weights: Record<string, DenseTensor>): Record<string, DenseTensor> {
  const out: Record<string, DenseTensor> = {};
  for (const [name, t] of Object.entries(weights)) {
    const { module } = splitTensorName(name);
    const target = bflToDiffusers(module);
    if (!target) throw new Error(`"${name}" is not a FLUX.2 weight in BFL naming; cannot convert it to diffusers naming.`);
    const rows = t.shape[0] ?? 1;
    const rowSize = t.data.length / rows;
    const slice = (from: number, to: number) => t.data.slice(from * rowSize, to * rowSize);
    const names = target.modules.map((m) => `${m}.weight`);
    if (target.rows === 'split3') {
      const part = rows / 3;
      names.forEach((n, i) => (out[n] = { shape: [part, ...t.shape.slice(1)], data: slice(i * part, (i + 1) * part) }));
    } else if (target.rows === 'swap-halves') {
      const half = rows / 2;
      const data = new Float32Array(t.data.length);
      data.set(slice(half, rows), 0);
      data.set(slice(0, half), half * rowSize);
      out[names[0]!] = { shape: t.shape, data };
    } else {
      out[names[0]!] = t;
    }
  }
  return out;
}
