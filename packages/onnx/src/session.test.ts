// What the session settings change in the graph onnxruntime actually runs: read back from its optimized model.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { f32ToBf16 } from './safetensors';
import { Graph } from './graph';
import { add, cast, mul, sigmoid } from './ops';
import { ModelProto } from './proto';
import { serializeGraph } from './serialize';
import { ortOptions, type EngineSessionOptions } from './session';

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
