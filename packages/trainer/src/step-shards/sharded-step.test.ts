// A batch split into shares that run on their own threads trains as the whole batch does: the same loss, the mean
// of the shares' gradients equal to the whole batch's (to float rounding), and bit for bit the same numbers whether
// the other shares run on a thread or one after another here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostTensor, packLayout, SeededRandom, type HostTensor } from '@lora-studio/onnx';
import { flux2ImageIds, flux2TextIds } from '@lora-studio/models';
import { batchShares, BucketStep } from '../bucket-step';
import type { TrainingConfig } from '../config';
import { prepareNewRun, type PreparedRun } from '../setup';
import { writeFixtures } from '../testing/fixtures';
import { trainableSpecs } from '../train-step-graph';
import { ShardThreads, splitRows } from './sharded-step';

let root: string;
let prepared: PreparedRun;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trainer-shares-'));
  const fixtures = await writeFixtures(root);
  prepared = await prepareNewRun({
    dataset: fixtures.dataset, base: fixtures.model, runDir: join(root, 'run'), type: 'subject', trigger: 'sks',
    overrides: { batchSize: 4, preservation: 0, priorImages: 0, rank: 4, alpha: 4 },
  }, { threads: 1 });
});
afterAll(async () => {
  await prepared?.model.close();
  rmSync(root, { recursive: true, force: true });
});

const SHAPES = { batch: 4, imageTokens: 4, textTokens: 3 };

/** A batch of 4 rows with every row different, and LoRA tensors that are not zero (so every gradient is). */
function batch(config: TrainingConfig): { feeds: Record<string, HostTensor>; params: Float32Array } {
  const m = prepared.model.transformer;
  const rng = new SeededRandom(11);
  const normal = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const { batch: B, imageTokens: N, textTokens: T } = SHAPES;
  const rows = (one: Float32Array) => Float32Array.from({ length: one.length * B }, (_, i) => one[i % one.length]!);
  const feeds: Record<string, HostTensor> = {
    xt: hostTensor('float32', [B, N, m.inChannels], normal(B * N * m.inChannels)),
    t: hostTensor('float32', [B], [0.2, 0.4, 0.6, 0.8]),
    txt: hostTensor('float32', [B, T, m.contextDim], normal(B * T * m.contextDim)),
    img_ids: hostTensor('float32', [B, N, 4], rows(flux2ImageIds(2, 2))),
    txt_ids: hostTensor('float32', [B, T, 4], rows(flux2TextIds(T))),
    target: hostTensor('float32', [B, N, m.outChannels], normal(B * N * m.outChannels)),
  };
  if (m.guidanceEmbed) feeds.guidance = hostTensor('float32', [B], [1, 1, 1, 1]);
  const layout = packLayout(trainableSpecs(prepared.model, config));
  return { feeds, params: normal(layout.total).map((x) => x * 0.1) };
}

async function open(config: TrainingConfig, shares: number, threads: ShardThreads | null): Promise<BucketStep> {
  return BucketStep.open(prepared.model, config, SHAPES, { threads: 1, shares, shareThreads: () => threads!, key: `shares-${shares}` });
}

describe('a batch split between threads', () => {
  it('splits every input by rows and refuses one that is not per row', () => {
    const x = hostTensor('float32', [4, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
    const [a, b] = splitRows({ x }, 4, 2);
    expect([...(a!.x!.data as Float32Array)]).toEqual([0, 1, 2, 3]);
    expect(b!.x!.dims).toEqual([2, 2]);
    expect(() => splitRows({ x, scale: hostTensor('float32', [1], [2]) }, 4, 2)).toThrow(/"scale" has 1 rows, not the batch's 4/);
    expect(() => splitRows({ x }, 4, 3)).toThrow(/cannot be split into 3 equal shares/);
  });

  it('is chosen for small models on more than one thread, by the largest share count that divides the batch', () => {
    const config = prepared.description.config;
    expect(batchShares(prepared.model, { ...config, batchSize: 4 }, 2)).toBe(2);
    expect(batchShares(prepared.model, { ...config, batchSize: 6 }, 4)).toBe(3);
    expect(batchShares(prepared.model, { ...config, batchSize: 4 }, 1)).toBe(1);
    expect(batchShares(prepared.model, { ...config, batchSize: 3 }, 2)).toBe(1);
    expect(batchShares(prepared.model, { ...config, batchSize: 4, mode: 'full' }, 2)).toBe(1);
  });

  it('gives the whole batch\'s loss and gradient, the same bit for bit on a thread as one after another here', async () => {
    const config = { ...prepared.description.config, gradAccum: 2 };
    const { feeds, params } = batch(config);
    const zeros = () => new Float32Array(params.length);
    const whole = await open(config, 1, null);
    const w = await whole.accumulate(params, zeros(), feeds);
    await whole.release();
    const threads = new ShardThreads(1);
    try {
      const onThread = await open(config, 2, threads);
      const here = await open(config, 2, null);
      const a = await onThread.accumulate(params, zeros(), feeds);
      const b = await here.accumulate(params, zeros(), feeds);
      await onThread.release();
      await here.release();
      expect(a.loss).toBe(b.loss);
      expect(a.gradAcc).toEqual(b.gradAcc);
      expect(a.rowLoss).toEqual(b.rowLoss);
      // The shares' gradients are of their own mean loss: their mean is the whole batch's gradient.
      expect(a.loss).toBeCloseTo(w.loss, 6);
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < params.length; i++) {
        worst = Math.max(worst, Math.abs(a.gradAcc[i]! / 2 - w.gradAcc[i]!));
        scale = Math.max(scale, Math.abs(w.gradAcc[i]!));
      }
      expect(scale).toBeGreaterThan(0);
      expect(worst / scale).toBeLessThan(1e-5);
      for (let r = 0; r < 4; r++) expect(a.rowLoss![r]).toBeCloseTo(w.rowLoss![r]!, 6);
    } finally {
      await threads.close();
    }
  });

  it('fails with a clear message, and does not hang, when its thread is gone', async () => {
    const config = { ...prepared.description.config, gradAccum: 2 };
    const { feeds, params } = batch(config);
    const threads = new ShardThreads(1);
    const step = await open(config, 2, threads);
    await threads.close();
    await expect(step.accumulate(params, new Float32Array(params.length), feeds)).rejects.toThrow(/thread/);
    await step.release();
  });
});
