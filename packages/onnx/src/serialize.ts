// Graph → ONNX ModelProto bytes. Only nodes that feed an output are written.

import path from 'node:path';
import { ONNX_DTYPE_CODE } from './dtype';
import type { AttrValue, Graph, Node, Tensor, TensorValue } from './graph';
import { ATTRIBUTE_TYPE, DATA_LOCATION_EXTERNAL, ModelProto } from './proto';

export const OPSET = 20;
export const IR_VERSION = 9;
// protobuf messages cannot exceed 2 GiB; large weights must be external data.
const PROTOBUF_LIMIT = 2 ** 31 - 1;

export interface SerializeOptions {
  /**
   * Folder the model will be loaded from (or the folder given to the session as
   * `externalDataFolder`). External data paths are written relative to it. Defaults to the
   * folder of the first external file.
   */
  externalDataFolder?: string;
  /** Extra metadata stored in the model (for example the config a graph was built from). */
  metadata?: Record<string, string>;
  /** Write these outputs instead of graph.outputs (e.g. only the loss, for a forward-only session). */
  outputs?: readonly Tensor[];
}

export function serializeGraph(graph: Graph, opts: SerializeOptions = {}): Uint8Array {
  const outputs = opts.outputs ?? graph.outputs;
  if (outputs.length === 0) throw new Error(`Graph '${graph.name}' has no outputs; call graph.output(tensor) first.`);
  const nodes = liveNodes(outputs);
  const used = new Set<string>();
  for (const n of nodes) for (const t of n.inputs) if (t) used.add(t.name);
  for (const t of outputs) used.add(t.name);

  const externalFolder = opts.externalDataFolder ?? defaultExternalFolder(graph);
  let inlineBytes = 0;
  const initializer = graph.initializers
    .filter((init) => used.has(init.tensor.name))
    .map((init) => {
      if (init.value) {
        inlineBytes += init.value.bytes.byteLength;
        return tensorProto(init.tensor.name, init.value);
      }
      const ext = init.external!;
      const location = externalFolder && path.isAbsolute(ext.path) ? path.relative(externalFolder, ext.path) : ext.path;
      return {
        name: init.tensor.name,
        dims: init.tensor.shape as number[],
        dataType: ONNX_DTYPE_CODE[init.tensor.dtype],
        dataLocation: DATA_LOCATION_EXTERNAL,
        externalData: [
          { key: 'location', value: location },
          { key: 'offset', value: String(ext.offset) },
          { key: 'length', value: String(ext.length) },
        ],
      };
    });
  if (inlineBytes > PROTOBUF_LIMIT - 64 * 2 ** 20) {
    throw new Error(
      `Graph '${graph.name}' holds ${(inlineBytes / 2 ** 30).toFixed(2)} GiB of inline weights; an ONNX file is limited to 2 GiB. ` +
        'Load large weights with graph.externalInitializer(...) so they stay in their safetensors file.',
    );
  }

  const model = {
    irVersion: IR_VERSION,
    producerName: 'lora-studio',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: OPSET }, { domain: 'com.microsoft', version: 1 }],
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: graph.name,
      node: nodes.map(nodeProto),
      initializer,
      input: graph.inputs.map(valueInfo),
      output: outputs.map(valueInfo),
    },
  };
  const err = ModelProto.verify(model);
  if (err) throw new Error(`Internal error: ONNX model for '${graph.name}' is malformed: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** Nodes that (transitively) feed a graph output, in build order (which is topological). */
export function liveNodes(outputs: readonly Tensor[]): Node[] {
  const live = new Set<Node>();
  const stack = outputs.map((t) => t.producer).filter((n): n is Node => n !== null);
  while (stack.length) {
    const n = stack.pop()!;
    if (live.has(n)) continue;
    live.add(n);
    for (const t of n.inputs) if (t?.producer && !live.has(t.producer)) stack.push(t.producer);
  }
  return outputs.length ? outputs[0].graph.nodes.filter((n) => live.has(n)) : [];
}

function defaultExternalFolder(graph: Graph): string | undefined {
  const first = graph.initializers.find((i) => i.external && path.isAbsolute(i.external.path));
  return first ? path.dirname(first.external!.path) : undefined;
}

function valueInfo(t: Tensor) {
  return {
    name: t.name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE_CODE[t.dtype],
        shape: { dim: t.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function tensorProto(name: string, v: TensorValue) {
  return { name, dims: v.shape as number[], dataType: ONNX_DTYPE_CODE[v.dtype], rawData: v.bytes };
}

function nodeProto(n: Node) {
  return {
    name: n.name,
    opType: n.opType,
    domain: n.domain,
    input: n.inputs.map((t) => t?.name ?? ''),
    output: n.outputs.map((t) => t.name),
    attribute: Object.entries(n.attrs).map(([name, a]) => attributeProto(name, a)),
  };
}

function attributeProto(name: string, a: AttrValue) {
  const type = ATTRIBUTE_TYPE[a.type];
  switch (a.type) {
    case 'int': return { name, type, i: a.value };
    case 'float': return { name, type, f: a.value };
    case 'string': return { name, type, s: new TextEncoder().encode(a.value) };
    case 'ints': return { name, type, ints: a.value };
    case 'floats': return { name, type, floats: a.value };
    case 'tensor': return { name, type, t: tensorProto('', a.value) };
  }
}
