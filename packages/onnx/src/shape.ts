// Shapes with numeric or named (symbolic) dimensions, and the inference helpers ops share.
// A symbolic dimension is a name such as 'batch'; products of names are written 'batch*tokens'.

export type Dim = number | string;
export type Shape = readonly Dim[];

export class ShapeError extends Error {
  override name = 'ShapeError';
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Numpy-style broadcasting; a named dim against a number other than 1 is taken to equal that number. */
export function broadcastShapes(what: string, ...shapes: Shape[]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i];
      if (d === undefined || d === 1 || d === dim) continue;
      if (dim === 1) dim = d;
      else if (typeof dim === 'number' && typeof d === 'number') {
        throw new ShapeError(`${what}: shapes ${shapes.map(formatShape).join(' and ')} do not broadcast (axis ${i}: ${dim} vs ${d}).`);
      } else if (typeof dim === 'string' && typeof d === 'number') dim = d;
    }
    out.push(dim);
  }
  return out;
}

export function normalizeAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ShapeError(`${what}: axis ${axis} is out of range for rank ${rank}.`);
  return a;
}

// A dim as a numeric factor times a sorted list of symbolic names, so products and quotients can be simplified.
interface Factored { num: number; syms: string[] }

function factor(d: Dim): Factored {
  if (typeof d === 'number') return { num: d, syms: [] };
  const f: Factored = { num: 1, syms: [] };
  for (const part of d.split('*')) {
    if (/^\d+$/.test(part)) f.num *= Number(part);
    else f.syms.push(part);
  }
  f.syms.sort();
  return f;
}

function unfactor(f: Factored): Dim {
  if (f.syms.length === 0) return f.num;
  return [...(f.num === 1 ? [] : [String(f.num)]), ...f.syms].join('*');
}

export function dimProduct(dims: readonly Dim[]): Dim {
  const f: Factored = { num: 1, syms: [] };
  for (const d of dims) {
    const x = factor(d);
    f.num *= x.num;
    f.syms.push(...x.syms);
  }
  f.syms.sort();
  return unfactor(f);
}

/** total / part, or undefined when the names in `part` are not all in `total`. */
export function dimQuotient(total: Dim, part: Dim): Dim | undefined {
  const t = factor(total);
  const p = factor(part);
  const syms = [...t.syms];
  for (const s of p.syms) {
    const i = syms.indexOf(s);
    if (i < 0) return undefined;
    syms.splice(i, 1);
  }
  if (t.num % p.num !== 0) return undefined;
  return unfactor({ num: t.num / p.num, syms });
}

/** Output shape of Reshape: 0 copies the input dim, -1 takes what is left. */
export function reshapeShape(input: Shape, target: readonly number[]): Dim[] {
  const out: Dim[] = target.map((d, i) => (d === 0 ? input[i] : d));
  const free = out.indexOf(-1);
  const total = dimProduct(input);
  if (free >= 0) {
    if (out.indexOf(-1, free + 1) >= 0) throw new ShapeError(`Reshape: more than one -1 in ${formatShape(target)}.`);
    const known = dimProduct(out.filter((_, i) => i !== free));
    const rest = dimQuotient(total, known);
    if (rest === undefined) throw new ShapeError(`Reshape: cannot reshape ${formatShape(input)} to ${formatShape(target)}.`);
    out[free] = rest;
  } else if (dimProduct(out) !== total) {
    throw new ShapeError(`Reshape: ${formatShape(input)} has ${total} elements but ${formatShape(target)} has ${dimProduct(out)}.`);
  }
  return out;
}

/** Output shape of MatMul with numpy semantics (1-D operands promoted then squeezed). */
export function matmulShape(a: Shape, b: Shape): Dim[] {
  if (a.length === 0 || b.length === 0) throw new ShapeError('MatMul: operands must have rank ≥ 1.');
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const k1 = a2[a2.length - 1];
  const k2 = b2[b2.length - 2];
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) {
    throw new ShapeError(`MatMul: inner dims differ: ${formatShape(a)} × ${formatShape(b)}.`);
  }
  const batch = broadcastShapes('MatMul', a2.slice(0, -2), b2.slice(0, -2));
  const out: Dim[] = [...batch, a2[a2.length - 2], b2[b2.length - 1]];
  if (b.length === 1) out.pop();
  if (a.length === 1) out.splice(out.length - (b.length === 1 ? 1 : 2), 1);
  return out;
}

/** Spatial output size of a convolution along one axis. */
export function convOutDim(input: Dim, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number): Dim {
  if (typeof input !== 'number') throw new ShapeError('Conv: spatial dims must be numeric.');
  return Math.floor((input + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1;
}

export function convTransposeOutDim(input: Dim, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number, outputPadding: number): Dim {
  if (typeof input !== 'number') throw new ShapeError('ConvTranspose: spatial dims must be numeric.');
  return stride * (input - 1) + outputPadding + (kernel - 1) * dilation + 1 - padBegin - padEnd;
}
