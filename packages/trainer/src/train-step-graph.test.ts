// Frozen weights by reference: the step graphs point into the model's own safetensors file (ONNX external data)
// instead of holding a float32 copy, and training on them is bit for bit the same as on inline weights.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, hostTensor, packLayout, runTrainStep, TrainState } from '@lora-studio/onnx';
import { flux2ImageIds, flux2TextIds, flux2WeightSpecs, readFlux2Weight, type DenseTensor } from '@lora-studio/models';
import type { BaseModel } from './base-model/base-model';
import type { TrainingConfig } from './config';
import type { TrainingEvent } from './events';
import { prepareNewRun, prepareResume, type PreparedRun } from './setup';
import { runPaths } from './run-folder';
import { writeFixtures } from './testing/fixtures';
import { buildTrainStep, PRESERVE_INPUT, trainableSpecs } from './train-step-graph';
import { BasePrediction } from './base-prediction';
import { presetConfig } from './presets';
import { TrainingRun } from './training-run';

let root: string;
let fixtures: { model: string; dataset: string };
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trainer-step-graph-'));
  fixtures = await writeFixtures(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The same model with every weight read into memory as float32 and put inline in the graphs. */
function inline(model: BaseModel): BaseModel {
  const weights: Record<string, DenseTensor> = {};
  for (const spec of flux2WeightSpecs(model.transformer)) weights[spec.name] = { shape: [...spec.shape], data: readFlux2Weight(model.weights, spec.name) };
  return { ...model, weights: { kind: 'dense', weights } };
}

const overrides: Partial<TrainingConfig> = { steps: 20, checkpointEvery: 20, sampleEvery: 0, batchSize: 2, seed: 3, preservation: 0.5 };

async function prepare(name: string, extra: Partial<TrainingConfig> = {}): Promise<{ prepared: PreparedRun; runDir: string }> {
  const runDir = join(root, name);
  const prepared = await prepareNewRun({ dataset: fixtures.dataset, base: fixtures.model, runDir, type: 'subject', trigger: 'sks', overrides: { ...overrides, ...extra } }, { threads: 1 });
  return { prepared, runDir };
}

async function losses(prepared: PreparedRun, runDir: string): Promise<number[]> {
  const events: TrainingEvent[] = [];
  expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), { threads: 1 }).run()).toBe('finished');
  return events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
}

describe('frozen weights by reference', () => {
  it.each([
    ['the fused step', 1],
    ['accumulate and apply', 2],
  ])('trains 20 steps (%s, with output preservation) to the same losses as inline weights, bit for bit', async (_, gradAccum) => {
    const extra = { gradAccum };
    const byReference = await prepare(`reference-${gradAccum}`, extra);
    expect(byReference.prepared.model.weights.kind).toBe('checkpoint');
    const withInline = await prepare(`inline-${gradAccum}`, extra);
    withInline.prepared.model = inline(withInline.prepared.model);
    const a = await losses(byReference.prepared, byReference.runDir);
    const b = await losses(withInline.prepared, withInline.runDir);
    expect(a).toHaveLength(20);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(a).toEqual(b);
  });

  it('writes no weight bytes into the step graph', async () => {
    const { prepared } = await prepare('sizes');
    try {
      const model = prepared.model;
      const config = prepared.description.config;
      const shapes = { batch: 1, imageTokens: 16, textTokens: 8 };
      const weightBytes = statSync(join(fixtures.model, 'transformer.safetensors')).size;
      const byReference = buildTrainStep(model, config, shapes);
      const withInline = buildTrainStep(inline(model), config, shapes);
      // A model this small is converted to float32 once at load, by reference or inline alike, and its step runs
      // with spinning and with blocking threads, keeping the faster.
      expect(byReference.session).toMatchObject({ externalDataFolder: fixtures.model, keepWeightsAsStored: true, convertWeightsAtLoad: true, spinning: 'auto' });
      expect(withInline.session).toEqual({ keepWeightsAsStored: true, convertWeightsAtLoad: true, spinning: 'auto' });
      // The inline graph carries every weight; the one by reference only their names and byte ranges.
      expect(withInline.step.bytes.byteLength - byReference.step.bytes.byteLength).toBeGreaterThan(0.95 * weightBytes);
      for (const name of ['img_in.weight', 'single_blocks.0.linear1.weight']) {
        const stored = Buffer.from(readFlux2Weight(model.weights, name).buffer).subarray(0, 256);
        expect(Buffer.from(withInline.step.bytes).indexOf(stored)).toBeGreaterThan(-1);
        expect(Buffer.from(byReference.step.bytes).indexOf(stored)).toBe(-1);
      }
    } finally {
      await prepared.model.close();
    }
  });
});

describe('gradient checkpointing', () => {
  it('recomputes every block in the backward pass and trains to the same losses as keeping activations, bit for bit', async () => {
    const extra = { steps: 8, checkpointEvery: 8 };
    const kept = await prepare('activations-kept', { ...extra, gradientCheckpointing: false });
    const recomputed = await prepare('activations-recomputed', { ...extra, gradientCheckpointing: true });
    const shapes = { batch: 1, imageTokens: 16, textTokens: 8 };
    const graph = buildTrainStep(recomputed.prepared.model, recomputed.prepared.description.config, shapes);
    expect(graph.session.keepRecomputation).toBe(true);
    expect(buildTrainStep(kept.prepared.model, kept.prepared.description.config, shapes).session.keepRecomputation).toBeUndefined();
    // The recomputed copies are separate nodes in the serialised graph, one segment per block.
    const c = recomputed.prepared.model.transformer;
    const text = Buffer.from(graph.step.bytes).toString('latin1');
    for (const block of [...Array.from({ length: c.numDoubleBlocks }, (_, i) => `double_blocks.${i}`), ...Array.from({ length: c.numSingleBlocks }, (_, i) => `single_blocks.${i}`)]) {
      expect(text).toContain(`recompute.${block}.`);
    }
    const a = await losses(kept.prepared, kept.runDir);
    const b = await losses(recomputed.prepared, recomputed.runDir);
    expect(a).toHaveLength(8);
    expect(b).toEqual(a);
  });

  it('is on in the presets for large models and off for the small embedded one', () => {
    const large = presetConfig({ type: 'subject', trigger: 'sks', imageCount: 4, model: { nativeResolution: 1024, small: false } });
    const small = presetConfig({ type: 'subject', trigger: 'sks', imageCount: 4, model: { nativeResolution: 64, small: true } });
    expect([large.gradientCheckpointing, small.gradientCheckpointing]).toEqual([true, false]);
  });
});

describe('output preservation in the step graph', () => {
  it('gives preserved rows the same loss as a target from a separate base-prediction session, with one session', async () => {
    const { prepared } = await prepare('fused-base', { preservation: 0.5 });
    const model = prepared.model;
    try {
      const config = prepared.description.config;
      const c = model.transformer;
      const [B, N, T] = [2, 16, 8];
      const layout = packLayout(trainableSpecs(model, config));
      // A LoRA that changes the output (zero-initialised B would make every preserved row's loss exactly 0).
      const params = Float32Array.from({ length: layout.total }, (_, i) => Math.sin(i * 12.9898) * 0.05);
      const feeds = {
        xt: hostTensor('float32', [B, N, c.inChannels], Float32Array.from({ length: B * N * c.inChannels }, (_, i) => Math.cos(i * 0.37))),
        target: hostTensor('float32', [B, N, c.outChannels], Float32Array.from({ length: B * N * c.outChannels }, (_, i) => Math.sin(i * 0.11))),
        t: hostTensor('float32', [B], [0.3, 0.8]),
        img_ids: hostTensor('float32', [B, N, 4], [...flux2ImageIds(4, 4), ...flux2ImageIds(4, 4)]),
        txt: hostTensor('float32', [B, T, c.contextDim], Float32Array.from({ length: B * T * c.contextDim }, (_, i) => Math.sin(i * 0.05))),
        txt_ids: hostTensor('float32', [B, T, 4], [...flux2TextIds(T), ...flux2TextIds(T)]),
      };
      const hyper = { lr: 1e-3, beta1: 0.9, beta2: 0.999 };
      const rowLoss = async (cfg: TrainingConfig, extra: Record<string, ReturnType<typeof hostTensor>>) => {
        const graphs = buildTrainStep(model, cfg, { batch: B, imageTokens: N, textTokens: T });
        const session = await createSession(graphs.step.bytes, { threads: 1, ...graphs.session });
        try {
          expect(session.inputNames.includes(PRESERVE_INPUT)).toBe(PRESERVE_INPUT in extra);
          return (await runTrainStep(session, graphs.step.io, TrainState.init(layout, params.slice()), { ...feeds, ...extra }, hyper)).rowLoss!;
        } finally {
          await session.release();
        }
      };
      // Row 0 preserved (target = the base model's velocity), row 1 trained toward its own target.
      const fused = await rowLoss(config, { [PRESERVE_INPUT]: hostTensor('bool', [B, 1, 1], [1, 0]) });
      const prediction = await BasePrediction.create(model, 1);
      const base = await prediction.velocity({ rows: B, imageTokens: N, textTokens: T, xt: feeds.xt.data as Float32Array, t: [0.3, 0.8], imgIds: feeds.img_ids.data as Float32Array, txt: feeds.txt.data as Float32Array, txtIds: feeds.txt_ids.data as Float32Array });
      await prediction.release();
      const target = Float32Array.from(feeds.target.data as Float32Array);
      target.set(base.subarray(0, N * c.outChannels), 0);
      const separate = await rowLoss({ ...config, preservation: 0, priorImages: 0 }, { target: hostTensor('float32', [B, N, c.outChannels], target) });
      expect(fused[0]).toBeGreaterThan(0);
      expect(Math.abs(fused[0]! - separate[0]!)).toBeLessThanOrEqual(1e-6 * separate[0]!);
      expect(fused[1]).toBe(separate[1]);
    } finally {
      await model.close();
    }
  });
});


describe('spinning and blocking threads', () => {
  // A small model's step tries blocking threads for 10 steps, then spinning ones (spinning 'auto', a new session
  // each time): steps 11–15 ran with spinning threads in the first run and with blocking ones after the resume.
  it('a run on two threads resumed from step 5 repeats steps 6–16 bit for bit, with spinning and blocking threads', async () => {
    const runDir = join(root, 'two-threads');
    const stepLosses = async (resume: boolean) => {
      const prepared = resume
        ? await prepareResume(runDir, { threads: 2 })
        : await prepareNewRun({ dataset: fixtures.dataset, base: fixtures.model, runDir, type: 'subject', trigger: 'sks', overrides: { ...overrides, steps: 16, checkpointEvery: 5, preservation: 0 } }, { threads: 2 });
      expect(prepared.model.weights.kind).toBe('checkpoint');
      const events: TrainingEvent[] = [];
      expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), { threads: 2 }).run()).toBe('finished');
      return new Map(events.flatMap((e) => (e.type === 'step' ? [[e.step, e.loss] as const] : [])));
    };
    const first = await stepLosses(false);
    const checkpoints = runPaths(runDir).checkpoints;
    for (const f of readdirSync(checkpoints).sort().slice(1)) rmSync(join(checkpoints, f), { recursive: true });
    const again = await stepLosses(true);
    expect([...again.keys()]).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    for (let step = 6; step <= 16; step++) expect(again.get(step), `step ${step}`).toBe(first.get(step));
  });
});
