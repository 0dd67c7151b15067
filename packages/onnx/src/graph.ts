// The graph under construction: typed symbolic tensors, nodes with readable scoped names, inputs,
// initializers (inline bytes or a byte range of an external file) and outputs.

import { DTYPE_BYTES, encodeValues, type DType } from './dtype';
import { dimProduct, formatShape, type Dim, type Shape } from './shape';

export type AttrValue =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'tensor'; value: TensorValue };

export type Attrs = Record<string, AttrValue>;

/** Concrete tensor contents: little-endian bytes of `dtype`. */
export interface TensorValue {
  dtype: DType;
  shape: readonly number[];
  bytes: Uint8Array;
}

/** Weight bytes that stay in a file (for example a safetensors file) and are read by onnxruntime directly. */
export interface ExternalData {
  /** Absolute path, or a path relative to the folder the model is loaded from. */
  path: string;
  offset: number;
  length: number;
}

export interface Node {
  readonly id: number;
  readonly opType: string;
  readonly domain: string;
  readonly name: string;
  readonly inputs: readonly (Tensor | null)[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Attrs;
  /** Name of the checkpoint segment (gradient checkpointing) the node was built in, if any. */
  readonly checkpoint: string | null;
}

export type TensorKind = 'input' | 'initializer' | 'node';

export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly kind: TensorKind,
    readonly producer: Node | null,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}${formatShape(this.shape)}`;
  }
}

export interface Initializer {
  tensor: Tensor;
  value?: TensorValue;
  external?: ExternalData;
}

export interface OutputSpec {
  dtype: DType;
  shape: Shape;
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly outputs: Tensor[] = [];
  readonly initializers: Initializer[] = [];
  private readonly names = new Set<string>();
  private readonly scopes: string[] = [];
  private checkpointName: string | null = null;
  private counter = 0;
  private readonly constants = new Map<string, Tensor>();

  constructor(readonly name = 'graph') {}

  /** Runs `build` with `name` appended to the scope; nodes and initializers made inside get `a.b.name.` prefixes. */
  scope<T>(name: string, build: () => T): T {
    this.scopes.push(name);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  get currentScope(): string {
    return this.scopes.join('.');
  }

  /**
   * Marks the nodes built by `build` as one checkpoint segment: the backward pass recomputes them from the
   * segment's inputs instead of keeping their outputs alive (trades compute for memory).
   */
  checkpoint<T>(name: string, build: () => T): T {
    if (this.checkpointName !== null) throw new Error(`Checkpoint '${name}' is nested in '${this.checkpointName}'; segments cannot nest.`);
    this.checkpointName = this.scoped(name);
    try {
      return build();
    } finally {
      this.checkpointName = null;
    }
  }

  /** A graph input (fed at run time). Input names are global: the scope is not prepended. */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    const t = new Tensor(this, this.claim(name), dtype, shape, 'input', null);
    this.inputs.push(t);
    return t;
  }

  /** A weight with inline data (numbers or raw little-endian bytes). The scope is prepended to the name. */
  initializer(name: string, dtype: DType, shape: readonly number[], data: ArrayLike<number | bigint> | Uint8Array): Tensor {
    const bytes = data instanceof Uint8Array ? data : encodeValues(dtype, data);
    const expected = Number(dimProduct(shape)) * DTYPE_BYTES[dtype];
    if (bytes.byteLength !== expected) {
      throw new Error(`Initializer '${name}': ${formatShape(shape)} ${dtype} needs ${expected} bytes, got ${bytes.byteLength}.`);
    }
    const t = new Tensor(this, this.claim(this.scoped(name)), dtype, shape, 'initializer', null);
    this.initializers.push({ tensor: t, value: { dtype, shape, bytes } });
    return t;
  }

  /** A weight read by onnxruntime straight from `file` bytes [offset, offset+length) — never loaded into JS. */
  externalInitializer(name: string, dtype: DType, shape: readonly number[], external: ExternalData): Tensor {
    const expected = Number(dimProduct(shape)) * DTYPE_BYTES[dtype];
    if (external.length !== expected) {
      throw new Error(`Initializer '${name}': ${formatShape(shape)} ${dtype} needs ${expected} bytes, the file range has ${external.length}.`);
    }
    const t = new Tensor(this, this.claim(this.scoped(name)), dtype, shape, 'initializer', null);
    this.initializers.push({ tensor: t, external });
    return t;
  }

  /** Declares `tensor` a graph output; with `name`, an Identity gives it that name. */
  output(tensor: Tensor, name?: string): Tensor {
    let out = tensor;
    if (name !== undefined && name !== tensor.name) {
      [out] = this.addNode('Identity', [tensor], {}, [{ dtype: tensor.dtype, shape: tensor.shape }], { outputNames: [name] });
    }
    if (this.outputs.includes(out)) throw new Error(`Tensor '${out.name}' is already a graph output.`);
    this.outputs.push(out);
    return out;
  }

  /** A constant tensor (Constant node); small ones are shared per graph. */
  constant(dtype: DType, shape: readonly number[], values: ArrayLike<number | bigint>): Tensor {
    const key = values.length <= 16 ? `${dtype}|${shape.join(',')}|${Array.from(values as ArrayLike<number>).join(',')}` : null;
    const cached = key === null ? undefined : this.constants.get(key);
    if (cached) return cached;
    const value: TensorValue = { dtype, shape, bytes: encodeValues(dtype, values) };
    // Constants are not recomputed or differentiated, so they live outside checkpoint segments.
    const saved = this.checkpointName;
    this.checkpointName = null;
    const [t] = this.addNode('Constant', [], { value: { type: 'tensor', value } }, [{ dtype, shape }]);
    this.checkpointName = saved;
    if (key !== null) this.constants.set(key, t);
    return t;
  }

  /** Adds one node; output names are `<scope>.<OpType>_<n>` (with `:i` for extra outputs). */
  addNode(
    opType: string,
    inputs: readonly (Tensor | null)[],
    attrs: Attrs,
    outputs: readonly OutputSpec[],
    opts: { domain?: string; outputNames?: readonly string[]; name?: string } = {},
  ): Tensor[] {
    for (const t of inputs) {
      if (t && t.graph !== this) throw new Error(`${opType}: input '${t.name}' belongs to another graph.`);
    }
    const name = this.claim(opts.name ?? this.scoped(`${opType}_${this.counter++}`));
    const outTensors: Tensor[] = [];
    const node: Node = {
      id: this.nodes.length, opType, domain: opts.domain ?? '', name, inputs, outputs: outTensors, attrs,
      checkpoint: this.checkpointName,
    };
    outputs.forEach((spec, i) => {
      const outName = opts.outputNames?.[i] ?? (i === 0 ? name : `${name}:${i}`);
      if (outName !== name) this.claim(outName);
      outTensors.push(new Tensor(this, outName, spec.dtype, spec.shape, 'node', node));
    });
    this.nodes.push(node);
    return outTensors;
  }

  private scoped(name: string): string {
    return this.scopes.length ? `${this.currentScope}.${name}` : name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`The name '${name}' is already used in graph '${this.name}'.`);
    this.names.add(name);
    return name;
  }
}

export function int(value: number): AttrValue {
  return { type: 'int', value };
}
export function float(value: number): AttrValue {
  return { type: 'float', value };
}
export function ints(value: readonly number[]): AttrValue {
  return { type: 'ints', value };
}
export function str(value: string): AttrValue {
  return { type: 'string', value };
}

export type { Dim, Shape };
