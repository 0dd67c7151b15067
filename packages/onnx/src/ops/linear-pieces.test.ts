// linearRows and linearJoined against the whole product split or the joined inputs' product (float64, onnxruntime).
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph, type Tensor } from '../graph';
import { seededValues } from '../gradcheck';
import { serializeGraph } from '../serialize';
import { createSession } from '../session';
import * as op from './index';

async function run(g: Graph, outputs: Tensor[], inputs: Tensor[]): Promise<Float64Array[]> {
  outputs.forEach((t, i) => g.output(t, `out${i}`));
  const session = await createSession(serializeGraph(g), { providers: ['cpu'], threads: 1, optimization: 'disabled' });
  const feeds = Object.fromEntries(inputs.map((t, i) => {
    const shape = t.shape as number[];
    return [t.name, new ort.Tensor('float64', seededValues(shape.reduce((a, b) => a * b, 1), 31 + i), shape)];
  }));
  const r = await session.run(feeds);
  await session.release();
  return outputs.map((_, i) => r.outputs[`out${i}`]!.data as Float64Array);
}

const expectClose = (a: Float64Array, b: Float64Array) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 12));
};

describe('linear layers in pieces', () => {
  it('linearRows gives the blocks of the whole product, with and without LoRA, one Gemm per block', async () => {
    const g = new Graph('rows');
    const x = g.input('x', 'float64', [2, 3, 4]);
    const w = g.input('w', 'float64', [5, 4]);
    const a = g.input('a', 'float64', [2, 4]);
    const b = g.input('b', 'float64', [5, 2]);
    const lora = { down: a, up: b, scale: 0.5 };
    const pieces = op.linearRows(x, w, [2, 3], lora);
    const plain = op.linearRows(x, w, [2, 3]);
    const whole = op.split(op.loraLinear(x, w, null, a, b, 0.5), [2, 3], -1);
    const wholePlain = op.split(op.linear(x, w), [2, 3], -1);
    expect(pieces.map((t) => t.shape)).toEqual([[2, 3, 2], [2, 3, 3]]);
    const [p0, p1, q0, q1, w0, w1, v0, v1] = await run(g, [...pieces, ...plain, ...whole, ...wholePlain], [x, w, a, b]);
    expectClose(p0!, w0!);
    expectClose(p1!, w1!);
    expectClose(q0!, v0!);
    expectClose(q1!, v1!);
  });

  it('linearJoined gives the product of the joined inputs', async () => {
    const g = new Graph('joined');
    const x0 = g.input('x0', 'float64', [2, 3, 2]);
    const x1 = g.input('x1', 'float64', [2, 3, 3]);
    const w = g.input('w', 'float64', [4, 5]);
    const a = g.input('a', 'float64', [2, 5]);
    const b = g.input('b', 'float64', [4, 2]);
    const y = op.linearJoined([x0, x1], w, { down: a, up: b, scale: 0.5 });
    expect(g.nodes.filter((n) => n.opType === 'Concat')).toHaveLength(0);
    const reference = op.loraLinear(op.concat([x0, x1], -1), w, null, a, b, 0.5);
    const [got, want] = await run(g, [y, reference], [x0, x1, w, a, b]);
    expectClose(got!, want!);
  });

  it('splits the output instead when the weight would be the larger copy (more input features than twice the rows)', () => {
    const g = new Graph('wide');
    const x = g.input('x', 'float64', [1, 2, 8]);
    const w = g.input('w', 'float64', [6, 8]);
    const pieces = op.linearRows(x, w, [3, 3]);
    expect(pieces.map((t) => t.shape)).toEqual([[1, 2, 3], [1, 2, 3]]);
    expect(g.nodes.filter((n) => n.opType === 'Gemm')).toHaveLength(1);
    expect(g.nodes.filter((n) => n.opType === 'Split').map((n) => n.inputs[0]!.name)).not.toContain('w');
  });
});
