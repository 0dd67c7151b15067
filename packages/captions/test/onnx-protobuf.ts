/**
 * Just enough of the ONNX protobuf schema (onnx.proto3) to write a small model in tests:
 * each message is a list of fields encoded by hand, so the test needs no ONNX tooling.
 */
type Field = [number, 'varint', number] | [number, 'bytes', Uint8Array] | [number, 'string', string] | [number, 'message', Uint8Array];

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n) & 0xffffffffffffffffn;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

export function message(fields: Field[]): Uint8Array {
  const bytes: number[] = [];
  for (const [no, kind, value] of fields) {
    if (kind === 'varint') {
      bytes.push(...varint((no << 3) | 0), ...varint(value));
      continue;
    }
    const payload = kind === 'string' ? new TextEncoder().encode(value) : value;
    bytes.push(...varint((no << 3) | 2), ...varint(payload.length), ...payload);
  }
  return Uint8Array.from(bytes);
}

const FLOAT = 1;

export function tensor(name: string, dims: number[], values: number[]): Uint8Array {
  const raw = new Uint8Array(new Float32Array(values).buffer);
  return message([...dims.map((d): Field => [1, 'varint', d]), [2, 'varint', FLOAT], [8, 'string', name], [9, 'bytes', raw]]);
}

/** A float tensor input/output; a string dimension is symbolic (e.g. "batch"). */
export function valueInfo(name: string, dims: (number | string)[]): Uint8Array {
  const shape = message(dims.map((d): Field => [1, 'message', message(typeof d === 'number' ? [[1, 'varint', d]] : [[2, 'string', d]])]));
  const tensorType = message([[1, 'varint', FLOAT], [2, 'message', shape]]);
  return message([[1, 'string', name], [2, 'message', message([[1, 'message', tensorType]])]]);
}

export function intsAttribute(name: string, values: number[]): Uint8Array {
  return message([[1, 'string', name], [20, 'varint', 7], ...values.map((v): Field => [8, 'varint', v])]);
}

export function intAttribute(name: string, value: number): Uint8Array {
  return message([[1, 'string', name], [20, 'varint', 2], [3, 'varint', value]]);
}

export function node(op: string, inputs: string[], outputs: string[], attributes: Uint8Array[] = []): Uint8Array {
  return message([
    ...inputs.map((i): Field => [1, 'string', i]),
    ...outputs.map((o): Field => [2, 'string', o]),
    [4, 'string', op],
    ...attributes.map((a): Field => [5, 'message', a]),
  ]);
}

export function model(g: { nodes: Uint8Array[]; initializers: Uint8Array[]; inputs: Uint8Array[]; outputs: Uint8Array[] }, opset = 13): Uint8Array {
  const graph = message([
    ...g.nodes.map((n): Field => [1, 'message', n]),
    [2, 'string', 'tiny'],
    ...g.initializers.map((t): Field => [5, 'message', t]),
    ...g.inputs.map((v): Field => [11, 'message', v]),
    ...g.outputs.map((v): Field => [12, 'message', v]),
  ]);
  return message([
    [1, 'varint', 8],
    [2, 'string', 'lora-studio-test'],
    [7, 'message', graph],
    [8, 'message', message([[1, 'string', ''], [2, 'varint', opset]])],
  ]);
}
