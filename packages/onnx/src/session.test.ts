// What the session settings change in the graph onnxruntime actually runs: read back from its optimized model.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { f32ToBf16 } from './safetensors';
import { Graph } from './graph';
import { add, cast, gemm, mul, sigmoid, softmax } from './ops';
import { ModelProto } from './proto';
import { serializeGraph } from './serialize';
import { createSession, EngineSession, hostTensor, ortOptions, type EngineSessionOptions } from './session';
import { SpinningChoice, type SessionKind } from './spinning-choice';
import { SeededRandom } from './seeded-random';

/** Op types of the graph onnxruntime runs for `opts`, from the optimized model it writes. */
async function optimizedOps(model: Uint8Array, opts: EngineSessionOptions): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'session-options-'));
  try {
    const path = join(dir, 'optimized.onnx');
    const session = await ort.InferenceSession.create(model, { ...ortOptions('cpu', opts), optimizedModelFilePath: path });
    await session.release();
    const saved = ModelProto.toObject(ModelProto.decode(readFileSync(path))) as { graph: { node: { opType: string }[] } };
    return saved.graph.node.map((n) => n.opType);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('session options', () => {
  // y = x · cast(w_bf16) + sigmoid(x) + sigmoid(x): a stored weight's cast that constant folding would turn into a
  // float32 initializer, and a repeated node that common-subexpression elimination would merge.
  const g = new Graph('options');
  const x = g.input('x', 'float32', [4]);
  const w = g.initializer('w', 'bfloat16', [4], f32ToBf16(Float32Array.from([1, 2, 3, 4])));
  g.output(add(add(mul(x, cast(w, 'float32')), sigmoid(x)), sigmoid(x)), 'y');
  const model = serializeGraph(g);

  it('keepWeightsAsStored and keepRecomputation together keep the cast and both recomputed nodes', async () => {
    const ops = await optimizedOps(model, { providers: ['cpu'], keepWeightsAsStored: true, keepRecomputation: true });
    expect(ops.filter((op) => op === 'Cast')).toHaveLength(1);
    expect(ops.filter((op) => op === 'Sigmoid')).toHaveLength(2);
  });

  it('without them onnxruntime folds the cast and merges the repeated node (what the options exist to stop)', async () => {
    const ops = await optimizedOps(model, { providers: ['cpu'] });
    expect(ops).not.toContain('Cast');
    expect(ops.filter((op) => op === 'Sigmoid')).toHaveLength(1);
  });
});

describe("spinning: 'auto'", () => {
  // Large enough that onnxruntime splits the products and the softmax between two threads.
  const g = new Graph('spin');
  const x = g.input('x', 'float32', [256, 256]);
  const rng = new SeededRandom(5);
  const w = g.initializer('w', 'float32', [256, 256], rng.fillNormal(new Float32Array(256 * 256), 0.05));
  g.output(softmax(gemm(sigmoid(gemm(x, w, null, { transB: true })), w)), 'y');
  const model = serializeGraph(g);

  it('runs the graph with blocking and with spinning threads, each giving the blocking session\'s output bit for bit', async () => {
    const input = hostTensor('float32', [256, 256], rng.fillNormal(new Float32Array(256 * 256), 1));
    const plain = await createSession(model, { providers: ['cpu'], threads: 2 });
    const auto = await createSession(model, { providers: ['cpu'], threads: 2, spinning: 'auto' });
    try {
      const expected = (await plain.run({ x: input })).outputs.y!.data as Float32Array;
      expect(plain.spinningRuns).toBeUndefined();
      for (let i = 0; i < 20; i++) {
        const y = (await auto.run({ x: input })).outputs.y!.data as Float32Array;
        expect(Buffer.from(y.buffer, y.byteOffset, y.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))).toBe(true);
      }
      const runs = auto.spinningRuns!;
      expect(runs.spinning).toBeGreaterThanOrEqual(7);
      expect(runs.blocking).toBeGreaterThanOrEqual(7);
    } finally {
      await plain.release();
      await auto.release();
    }
  });

  it('stays with blocking threads, and says why, when a spinning session cannot be created at the change', async () => {
    const input = hostTensor('float32', [256, 256], rng.fillNormal(new Float32Array(256 * 256), 1));
    const made: SessionKind[] = [];
    // Real sessions; only the spinning one fails to load, as when the memory the old one freed is not back yet.
    const create = async (kind: SessionKind) => {
      made.push(kind);
      if (kind === 'spinning') throw new Error('Failed to allocate memory for the arena\nstack trace');
      return ort.InferenceSession.create(model, ortOptions('cpu', { threads: 2 }));
    };
    const session = new EngineSession(await create('blocking'), 'cpu', [], 0, 'test', { create, live: 'blocking', choice: new SpinningChoice({ warmup: 0, window: 2, retryEvery: 3 }) });
    try {
      const expected = (await session.run({ x: input })).outputs.y!.data as Float32Array;
      for (let i = 0; i < 12; i++) {
        const y = (await session.run({ x: input })).outputs.y!.data as Float32Array;
        expect(Array.from(y)).toEqual(Array.from(expected));
      }
      expect(session.spinningStopped).toBe('a session with spinning threads could not be created (Failed to allocate memory for the arena); staying with blocking threads');
      // One try at the change, one blocking session again, and no further tries.
      expect(made).toEqual(['blocking', 'spinning', 'blocking']);
      expect(session.spinningRuns!.blocking).toBe(13);
    } finally {
      await session.release();
    }
  });

  it('keeps one blocking session on one thread, where there is no second thread to wake', async () => {
    const one = await createSession(model, { providers: ['cpu'], threads: 1, spinning: 'auto' });
    await one.run({ x: hostTensor('float32', [256, 256], new Float32Array(256 * 256)) });
    expect(one.spinningRuns).toBeUndefined();
    await one.release();
  });
});
