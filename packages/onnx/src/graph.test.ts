// Graph builder: names, shape inference, serialization and external data read straight from a safetensors file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { f32ToBf16 } from './safetensors';
import { SafetensorsFile, writeSafetensorsFile } from './safetensors';
import { Graph } from './graph';
import { add, cast, concat, conv, gather, linear, matmul, mul, reduceSum, reshape, slice, softmax, split, transpose } from './ops';
import { checkGradients, seededValues } from './gradcheck';
import { ShapeError } from './shape';
import { serializeGraph } from './serialize';
import { createSession, hostTensor } from './session';

const dir = mkdtempSync(path.join(tmpdir(), 'onnx-graph-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('graph builder', () => {
  it('names nodes and initializers after their scope', () => {
    const g = new Graph('named');
    const x = g.input('x', 'float32', [2, 4]);
    const y = g.scope('double_blocks.3', () => g.scope('img_attn.qkv', () => matmul(x, g.initializer('weight', 'float32', [4, 3], new Float32Array(12)))));
    expect(g.initializers[0].tensor.name).toBe('double_blocks.3.img_attn.qkv.weight');
    expect(y.name).toMatch(/^double_blocks\.3\.img_attn\.qkv\.MatMul_\d+$/);
    expect(x.name).toBe('x');
  });

  it('infers shapes with named dims and reports mismatches with the shapes involved', () => {
    const g = new Graph('shapes');
    const x = g.input('x', 'float32', ['batch', 16, 8]);
    expect(reshape(x, [-1, 8]).shape).toEqual(['16*batch', 8]);
    expect(matmul(x, g.input('w', 'float32', [8, 5])).shape).toEqual(['batch', 16, 5]);
    expect(transpose(x, [0, 2, 1]).shape).toEqual(['batch', 8, 16]);
    expect(reduceSum(x, [1], { keepdims: true }).shape).toEqual(['batch', 1, 8]);
    expect(split(x, [3, 5], 2).map((t) => t.shape)).toEqual([['batch', 16, 3], ['batch', 16, 5]]);
    expect(slice(x, [2], [-2], [1]).shape).toEqual(['batch', 12, 8]);
    expect(concat([x, x], 1).shape).toEqual(['batch', 32, 8]);
    expect(gather(x, g.input('ids', 'int64', [3]), 1).shape).toEqual(['batch', 3, 8]);
    expect(conv(g.input('img', 'float32', [1, 3, 9, 9]), g.input('k', 'float32', [4, 3, 3, 3]), null, { strides: [2, 2], pads: [1, 1, 1, 1] }).shape).toEqual([1, 4, 5, 5]);
    expect(() => add(x, g.input('y', 'float32', [3, 8]))).toThrow(ShapeError);
    expect(() => matmul(x, g.input('bad', 'float32', [7, 2]))).toThrow(/inner dims differ: \[batch, 16, 8\] × \[7, 2\]/);
    expect(() => add(x, g.input('d', 'float64', [8]))).toThrow(/different dtypes/);
  });

  it('differentiates a graph with a named batch dim and runs it at a concrete batch size', async () => {
    const g = new Graph('named_batch');
    const x = g.input('x', 'float64', ['batch', 3, 4]);
    const w = g.input('w', 'float64', [5, 4]);
    const b = g.input('b', 'float64', [5]);
    const y = softmax(linear(x, w, b));
    const loss = reduceSum(mul(y, reshape(y, [0, -1, 5])));
    g.output(loss);
    const feeds = {
      x: hostTensor('float64', [2, 3, 4], seededValues(24, 1)),
      w: hostTensor('float64', [5, 4], seededValues(20, 2)),
      b: hostTensor('float64', [5], seededValues(5, 3)),
    };
    const r = await checkGradients(loss, [x, w, b], feeds);
    expect(r.maxRelError).toBeLessThan(1e-6);
  });

  it('serializes, prunes unused nodes and runs in onnxruntime', async () => {
    const g = new Graph('run');
    const x = g.input('x', 'float32', [2, 3]);
    const w = g.initializer('w', 'float32', [4, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]);
    const y = softmax(linear(x, w, g.initializer('b', 'float32', [4], [0, 0, 0, -3])));
    add(x, 5); // dead: feeds no output
    g.output(y, 'probs');
    const model = serializeGraph(g);
    const s = await createSession(model, { providers: ['cpu'], threads: 1 });
    const { outputs } = await s.run({ x: hostTensor('float32', [2, 3], [1, 2, 3, 0, 0, 0]) });
    const p = Array.from(outputs.probs.data as Float32Array);
    const softmaxOf = (logits: number[]) => logits.map((l) => Math.exp(l) / logits.reduce((a, k) => a + Math.exp(k), 0));
    const expected = [...softmaxOf([1, 2, 3, 3]), ...softmaxOf([0, 0, 0, -3])];
    p.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    expect(g.nodes.length).toBeGreaterThan(s.session.outputNames.length);
    await s.release();
  });

  it('reads frozen weights straight from a safetensors file as external data (bf16 cast in-graph)', async () => {
    const file = path.join(dir, 'base.safetensors');
    const w = Float32Array.from([1, 2, 3, 4, 5, 6]);
    writeSafetensorsFile(file, {
      'blocks.0.weight': { dtype: 'F32', shape: [2, 3], data: new Uint8Array(w.buffer) },
      'blocks.0.scale': { dtype: 'BF16', shape: [2], data: f32ToBf16(Float32Array.from([0.5, 2])) },
    });
    const st = SafetensorsFile.open(file);
    const g = new Graph('external');
    const x = g.input('x', 'float32', [1, 3]);
    const weight = g.externalInitializer('blocks.0.weight', 'float32', [2, 3], st.location('blocks.0.weight'));
    const scale = g.externalInitializer('blocks.0.scale', 'bfloat16', [2], st.location('blocks.0.scale'));
    st.close();
    g.output(add(linear(x, weight), cast(scale, 'float32')), 'y');
    const model = serializeGraph(g);
    expect(Buffer.from(model).includes(Buffer.from('base.safetensors'))).toBe(true);
    const s = await createSession(model, { providers: ['cpu'], threads: 1, externalDataFolder: dir });
    const { outputs } = await s.run({ x: hostTensor('float32', [1, 3], [1, 1, 1]) });
    expect(Array.from(outputs.y.data as Float32Array)).toEqual([6.5, 17]);
    await s.release();
  });

  it('records why a provider was skipped', async () => {
    const g = new Graph('cache');
    g.output(add(g.input('x', 'float32', [2]), 1), 'y');
    const model = serializeGraph(g);
    const a = await createSession(model, { providers: ['cuda', 'cpu'], threads: 1 });
    expect(a.provider === 'cuda' || a.fallbacks.some((f) => f.provider === 'cuda' && f.reason.length > 0)).toBe(true);
    const r = await a.run({ x: hostTensor('float32', [2], [1, 2]) });
    expect(Array.from(r.outputs.y.data as Float32Array)).toEqual([2, 3]);
    expect(a.timings).toHaveLength(1);
    await expect(a.run({})).rejects.toThrow(/missing inputs x/);
    await a.release();
  });
});
