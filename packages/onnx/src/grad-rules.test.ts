// Every gradient rule against float64 central finite differences, over shapes that broadcast.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { checkGradients, seededValues } from './gradcheck';
import { Graph, int, type Tensor } from './graph';
import { GRAD_RULES } from './grad-rules';
import * as op from './ops';

type Domain = 'any' | 'positive';
interface Case {
  name: string;
  inputs: (readonly number[] | { shape: readonly number[]; domain: Domain })[];
  build: (xs: Tensor[], g: Graph) => Tensor;
  tolerance?: number;
  /** float32 where onnxruntime has no float64 kernel; checked with a large step (see checkGradients). */
  float32Step?: number;
}

const pos = (shape: readonly number[]) => ({ shape, domain: 'positive' as const });
const raw = (g: Graph, opType: string, inputs: Tensor[], attrs: Record<string, ReturnType<typeof int>>, shape: readonly number[]) =>
  g.addNode(opType, inputs, attrs, [{ dtype: 'float64', shape }])[0];

const CASES: Case[] = [
  { name: 'Add broadcast [2,3,4]+[4]', inputs: [[2, 3, 4], [4]], build: ([a, b]) => op.add(a, b) },
  { name: 'Add broadcast [2,1,4]+[3,1]', inputs: [[2, 1, 4], [3, 1]], build: ([a, b]) => op.add(a, b) },
  { name: 'Sub broadcast [2,3]-[1,3]', inputs: [[2, 3], [1, 3]], build: ([a, b]) => op.sub(a, b) },
  { name: 'Mul broadcast [3,4]*[3,1]', inputs: [[3, 4], [3, 1]], build: ([a, b]) => op.mul(a, b) },
  { name: 'Mul by scalar input', inputs: [[2, 3], []], build: ([a, b]) => op.mul(a, b) },
  { name: 'Div broadcast [2,3]/[3]', inputs: [[2, 3], pos([3])], build: ([a, b]) => op.div(a, b) },
  { name: 'Pow broadcast [2,3]^[3]', inputs: [pos([2, 3]), [3]], build: ([a, b]) => op.pow(a, b) },
  { name: 'Neg', inputs: [[2, 3]], build: ([a]) => op.neg(a) },
  { name: 'Sqrt', inputs: [pos([2, 3])], build: ([a]) => op.sqrt(a) },
  { name: 'Reciprocal', inputs: [pos([2, 3])], build: ([a]) => op.reciprocal(a) },
  { name: 'Exp', inputs: [[2, 3]], build: ([a]) => op.exp(a) },
  { name: 'Log', inputs: [pos([2, 3])], build: ([a]) => op.log(a) },
  { name: 'Tanh', inputs: [[2, 3]], build: ([a]) => op.tanh(a) },
  { name: 'Sigmoid', inputs: [[2, 3]], build: ([a]) => op.sigmoid(a) },
  { name: 'Erf (float32 kernel only)', inputs: [[2, 3]], build: ([a]) => op.erf(a), float32Step: 1e-2, tolerance: 1e-3 },
  { name: 'Sin', inputs: [[2, 3]], build: ([a]) => op.sin(a) },
  { name: 'Cos', inputs: [[2, 3]], build: ([a]) => op.cos(a) },
  { name: 'Relu', inputs: [[3, 4]], build: ([a]) => op.relu(a) },
  { name: 'Abs', inputs: [[3, 4]], build: ([a]) => op.abs(a) },
  { name: 'Max broadcast', inputs: [[2, 3], [3]], build: ([a, b]) => op.max(a, b) },
  { name: 'Min broadcast', inputs: [[2, 3], [3]], build: ([a, b]) => op.min(a, b) },
  { name: 'Gelu (erf; float32 kernel only)', inputs: [[3, 4]], build: ([a]) => op.gelu(op.mul(a, 2)), float32Step: 1e-2, tolerance: 1e-3 },
  { name: 'Gelu (tanh)', inputs: [[3, 4]], build: ([a]) => op.gelu(op.mul(a, 2), 'tanh') },
  { name: 'Softmax last axis', inputs: [[2, 3, 4]], build: ([a]) => op.softmax(a, -1) },
  { name: 'Softmax axis 1', inputs: [[2, 3, 4]], build: ([a]) => op.softmax(a, 1) },
  {
    name: 'LayerNormalization (ONNX op, float64)', inputs: [[2, 3, 5], [5], [5]],
    build: ([x, s, b], g) => raw(g, 'LayerNormalization', [x, s, b], { axis: int(-1) }, x.shape as number[]),
  },
  { name: 'MatMul [2,3,4]@[4,5] (2-D weight)', inputs: [[2, 3, 4], [4, 5]], build: ([a, b]) => op.matmul(a, b) },
  { name: 'MatMul batched [2,3,4]@[2,4,5]', inputs: [[2, 3, 4], [2, 4, 5]], build: ([a, b]) => op.matmul(a, b) },
  { name: 'MatMul broadcast [3,4]@[2,4,5]', inputs: [[3, 4], [2, 4, 5]], build: ([a, b]) => op.matmul(a, b) },
  { name: 'MatMul broadcast [2,1,3,4]@[3,4,2]', inputs: [[2, 1, 3, 4], [3, 4, 2]], build: ([a, b]) => op.matmul(a, b) },
  { name: 'Gemm plain + C [5]', inputs: [[3, 4], [4, 5], [5]], build: ([a, b, c]) => op.gemm(a, b, c, { alpha: 0.7, beta: 1.3 }) },
  { name: 'Gemm transA + C [3,1]', inputs: [[4, 3], [4, 5], [3, 1]], build: ([a, b, c]) => op.gemm(a, b, c, { transA: true }) },
  { name: 'Gemm transB', inputs: [[3, 4], [5, 4]], build: ([a, b]) => op.gemm(a, b, null, { transB: true, alpha: 2 }) },
  { name: 'Gemm transA transB', inputs: [[4, 3], [5, 4]], build: ([a, b]) => op.gemm(a, b, null, { transA: true, transB: true }) },
  { name: 'ReduceSum axes [1] keepdims', inputs: [[2, 3, 4]], build: ([a]) => op.reduceSum(a, [1], { keepdims: true }) },
  { name: 'ReduceSum axes [0,2]', inputs: [[2, 3, 4]], build: ([a]) => op.reduceSum(a, [0, -1]) },
  { name: 'ReduceSum all', inputs: [[2, 3]], build: ([a]) => op.reduceSum(a) },
  { name: 'ReduceMean axes [-1]', inputs: [[2, 3, 4]], build: ([a]) => op.reduceMean(a, [-1]) },
  { name: 'ReduceSumSquare axes [1]', inputs: [[2, 3, 4]], build: ([a]) => op.reduceSumSquare(a, [1]) },
  { name: 'ReduceMax axes [1]', inputs: [[2, 3, 4]], build: ([a]) => op.reduceMax(a, [1]) },
  { name: 'Reshape', inputs: [[2, 3, 4]], build: ([a]) => op.reshape(a, [0, -1]) },
  { name: 'Transpose', inputs: [[2, 3, 4]], build: ([a]) => op.transpose(a, [2, 0, 1]) },
  { name: 'Concat axis 1', inputs: [[2, 3], [2, 2]], build: ([a, b]) => op.concat([a, b], 1) },
  { name: 'Split both outputs', inputs: [[2, 5]], build: ([a]) => { const [p, q] = op.split(a, [2, 3], 1); return op.concat([op.mul(p, 2), q], 1); } },
  { name: 'Split one output used', inputs: [[2, 5]], build: ([a]) => op.split(a, [2, 3], 1)[1] },
  { name: 'Slice negative start', inputs: [[3, 6]], build: ([a]) => op.slice(a, [1, -4], [3, 5], [0, 1]) },
  { name: 'Gather axis 0 repeated', inputs: [[5, 3]], build: ([a], g) => op.gather(a, g.constant('int64', [2, 2], [1, 3, 1, 0]), 0) },
  { name: 'Gather axis 0 negative index', inputs: [[5, 3]], build: ([a], g) => op.gather(a, g.constant('int64', [3], [-1, 4, 0]), 0) },
  { name: 'Gather axis 1', inputs: [[2, 4, 3]], build: ([a], g) => op.gather(a, g.constant('int64', [3], [3, 0, 3]), 1) },
  { name: 'Unsqueeze', inputs: [[2, 3]], build: ([a]) => op.mul(op.unsqueeze(a, [0, 2]), 1.5) },
  { name: 'Squeeze', inputs: [[2, 1, 3]], build: ([a]) => op.squeeze(a, [1]) },
  { name: 'Expand [3,1]→[2,3,4]', inputs: [[3, 1]], build: ([a]) => op.expand(a, [2, 3, 4]) },
  {
    name: 'Where broadcast', inputs: [[2, 3], [3]],
    build: ([a, b], g) => op.where(g.constant('bool', [2, 1], [1, 0]), a, b),
  },
  {
    name: 'Cast float64→float32→float64', inputs: [[2, 3]], tolerance: 1e-2,
    build: ([a]) => op.cast(op.mul(op.cast(a, 'float32'), 3), 'float64'),
  },
  { name: 'Identity', inputs: [[2, 3]], build: ([a]) => op.identity(a) },
  { name: 'Sum broadcast', inputs: [[2, 3], [3], [2, 1]], build: ([a, b, c]) => op.sum([a, b, c]) },
  { name: 'Pad', inputs: [[2, 3]], build: ([a]) => op.pad(a, [1, 0, 0, 2], 0.5) },
  {
    name: 'Conv 2-D stride 2, pads, bias', inputs: [[2, 3, 5, 6], [4, 3, 3, 2], [4]],
    build: ([x, w, b]) => op.conv(x, w, b, { strides: [2, 2], pads: [1, 0, 1, 1] }), float32Step: 0.5, tolerance: 1e-4,
  },
  {
    name: 'Conv 1-D dilation 2', inputs: [[1, 2, 9], [3, 2, 3]],
    build: ([x, w]) => op.conv(x, w, null, { dilations: [2] }), float32Step: 0.5, tolerance: 1e-4,
  },
  {
    name: 'ConvTranspose 2-D stride 2, output padding, bias', inputs: [[1, 3, 3, 4], [3, 2, 3, 3], [2]],
    build: ([x, w, b]) => op.convTranspose(x, w, b, { strides: [2, 2], pads: [1, 1, 0, 1], outputPadding: [1, 0] }),
    float32Step: 0.5, tolerance: 1e-4,
  },
  // Composed pieces.
  { name: 'layerNorm (composed in float64)', inputs: [[2, 3, 5], [5], [5]], build: ([x, s, b]) => op.layerNorm(x, s, b) },
  { name: 'rmsNorm', inputs: [[2, 3, 5], [5]], build: ([x, s]) => op.rmsNorm(x, s) },
  { name: 'rmsNorm without scale (composed)', inputs: [[2, 3, 5]], build: ([x]) => op.rmsNorm(x, null) },
  // float32 graphs reuse the forward node's own statistics (1/rms; mean and 1/std) in the backward pass.
  { name: 'rmsNorm (float32: 1/rms from the forward)', inputs: [[2, 3, 5], [5]], build: ([x, s]) => op.rmsNorm(x, s), float32Step: 1e-2, tolerance: 1e-3 },
  {
    name: 'LayerNormalization with a constant unit scale (float64)', inputs: [[2, 3, 5]],
    build: ([x], g) => raw(g, 'LayerNormalization', [x, g.constant('float64', [5], [1, 1, 1, 1, 1])], { axis: int(-1) }, x.shape as number[]),
  },
  {
    name: 'layerNorm with a constant unit scale (float32: statistics from the forward)', inputs: [[2, 3, 5]],
    build: ([x], g) => op.layerNorm(x, g.constant(x.dtype, [5], [1, 1, 1, 1, 1]), null), float32Step: 1e-2, tolerance: 1e-3,
  },
  {
    name: 'layerNorm (float32: statistics from the forward)', inputs: [[2, 3, 5], [5], [5]],
    build: ([x, s, b]) => op.layerNorm(x, s, b), float32Step: 1e-2, tolerance: 1e-3,
  },
  { name: 'silu', inputs: [[3, 4]], build: ([x]) => op.silu(x) },
  // float32 SiLU is onnxruntime's QuickGelu; its rule recomputes the sigmoid.
  { name: 'silu (QuickGelu in float32)', inputs: [[3, 4]], build: ([x]) => op.silu(op.mul(x, 2)), float32Step: 1e-2, tolerance: 1e-3 },
  { name: 'QuickGelu alpha 1.702 (float32 kernel only)', inputs: [[3, 4]], build: ([x]) => op.quickGelu(op.mul(x, 2), 1.702), float32Step: 1e-2, tolerance: 1e-3 },
  // float64 composes the rotation; float32 is onnxruntime's RotaryEmbedding, whose rule rotates back.
  { name: 'rotaryEmbedding (composed in float64)', inputs: [[2, 3, 4, 6], [2, 4, 3]], build: ([x, a]) => op.rotaryEmbedding(x, op.cos(a), op.sin(a)) },
  {
    name: 'rotaryEmbedding (RotaryEmbedding in float32)', inputs: [[2, 3, 4, 6]],
    build: ([x], g) => {
      const angles = seededValues(24, 9).map((a) => 3 * a);
      const table = (f: (a: number) => number) => g.constant(x.dtype, [8, 3], angles.map(f));
      return op.rotate(x, g.constant('int64', [2, 4], [0, 1, 2, 3, 4, 5, 6, 7]), table(Math.cos), table(Math.sin));
    },
    float32Step: 1e-2, tolerance: 1e-3,
  },
  {
    name: 'SwiGLU MLP', inputs: [[2, 3, 4], [6, 4], [3, 4]],
    build: ([x, w1, w2]) => { const [a, b] = op.split(op.linear(x, w1), [3, 3], -1); return op.matmul(op.mul(op.silu(a), b), w2); },
  },
  {
    name: 'loraLinear (Gemm chain)', inputs: [[2, 3, 4], [5, 4], [5], [2, 4], [5, 2]],
    build: ([x, w, b, a, bb]) => op.loraLinear(x, w, b, a, bb, 0.5),
  },
  // x feeds every range's product: each product's input gradient is the C operand of the next (no Sum).
  {
    name: 'linearRows with LoRA (one Gemm per row range)', inputs: [[2, 3, 4], [5, 4], [2, 4], [5, 2]],
    build: ([x, w, a, b]) => op.concat(op.linearRows(x, w, [2, 3], { down: a, up: b, scale: 0.5 }).map((t, i) => op.mul(t, i + 1)), -1),
  },
  {
    name: 'linearJoined with LoRA (one Gemm per input)', inputs: [[2, 3, 2], [2, 3, 3], [4, 5], [2, 5], [4, 2]],
    build: ([x0, x1, w, a, b]) => op.linearJoined([x0, x1], w, { down: a, up: b, scale: 0.5 }),
  },
  {
    name: 'attention [2 heads]', inputs: [[1, 2, 4, 3], [1, 2, 5, 3], [1, 2, 5, 3]],
    build: ([q, k, v]) => op.attention(q, k, v),
  },
];

type InputSpec = Case['inputs'][number];
const specShape = (spec: InputSpec): number[] => [...('shape' in spec ? spec.shape : spec)];
const specDomain = (spec: InputSpec): Domain => ('domain' in spec ? spec.domain : 'any');

function positive(values: Float64Array): Float64Array {
  return values.map((v) => 0.5 + Math.abs(v));
}

async function check(c: Case) {
  const g = new Graph(c.name);
  const dtype = c.float32Step ? 'float32' : 'float64';
  const xs = c.inputs.map((spec, i) => g.input(`x${i}`, dtype, specShape(spec)));
  const feeds: Record<string, ort.Tensor> = {};
  c.inputs.forEach((spec, i) => {
    const shape = specShape(spec);
    const n = shape.reduce((a, b) => a * b, 1);
    let v = seededValues(n, 17 + i * 101);
    if (specDomain(spec) === 'positive') v = positive(v);
    feeds[`x${i}`] = new ort.Tensor(dtype, dtype === 'float32' ? Float32Array.from(v) : v, shape);
  });
  const y = c.build(xs, g);
  // A random weighting makes every output element matter to the scalar loss.
  const n = (y.shape as number[]).reduce((a, b) => a * b, 1);
  const weights = g.constant(dtype, y.shape as number[], seededValues(n, 5));
  const loss = op.reduceSum(op.mul(y, weights));
  g.output(loss);
  return checkGradients(loss, xs, feeds, c.float32Step ? { step: c.float32Step } : {});
}

describe('gradient rules vs float64 finite differences', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const r = await check(c);
      expect(r.checkedElements).toBeGreaterThan(0);
      if (c.tolerance) console.log(`${c.name}: max relative error ${r.maxRelError.toExponential(2)}`);
      expect(r.maxRelError, JSON.stringify(r.relError)).toBeLessThan(c.tolerance ?? 1e-6);
    });
  }

  it('covers every differentiable op in the rule table', () => {
    const tested = new Set<string>();
    for (const c of CASES) {
      const g = new Graph('probe');
      const xs = c.inputs.map((spec, i) => g.input(`x${i}`, 'float64', specShape(spec)));
      c.build(xs, g);
      for (const n of g.nodes) tested.add(n.opType);
    }
    const untested = Object.entries(GRAD_RULES).filter(([name, rule]) => rule !== null && name !== 'Constant' && !tested.has(name));
    expect(untested.map(([name]) => name)).toEqual([]);
  });

  it('splits a Concat gradient along a named axis by lengths read at run time', async () => {
    const g = new Graph('named concat');
    const a = g.input('a', 'float64', [2, 'n']);
    const b = g.input('b', 'float64', [2, 'm']);
    const y = op.concat([a, b], 1);
    const [p, q] = op.splitAs(op.mul(y, y), [a, b], 1);
    const loss = op.add(op.reduceSum(op.mul(p!, 2)), op.reduceSum(op.mul(q!, q!)));
    g.output(loss);
    const feeds = { a: new ort.Tensor('float64', seededValues(6, 3), [2, 3]), b: new ort.Tensor('float64', seededValues(4, 4), [2, 2]) };
    const r = await checkGradients(loss, [a, b], feeds);
    expect(r.checkedElements).toBe(10);
    expect(r.maxRelError).toBeLessThan(1e-6);
  });

  it('names the op and node when a rule is missing', async () => {
    const g = new Graph('missing');
    const x = g.input('x', 'float64', [2, 3]);
    const y = g.scope('blocks.0', () => g.addNode('HardSwish', [x], {}, [{ dtype: 'float64', shape: [2, 3] }])[0]);
    const { gradients } = await import('./autodiff');
    expect(() => gradients(op.reduceSum(y), [x])).toThrow(/'HardSwish' \(node 'blocks\.0\.HardSwish_\d+'\)/);
  });
});
