// The preflight's memory estimate: in line with a measured tiny run, and the fit logic names the setting to change.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flux2ParameterCount, flux2Preset, loraTargetLayers } from '@lora-studio/models';
import type { TrainingEvent } from './events';
import { estimateTrainingMemory, memoryFit, type MemoryEstimateInput } from './memory-estimate';
import { prepareNewRun } from './setup';
import { writeFixtures } from './testing/fixtures';
import { TrainingRun } from './training-run';

const GB = 1024 ** 3;

function klein4b(over: Partial<MemoryEstimateInput> & { resolution?: number } = {}): MemoryEstimateInput & { resolution: number } {
  const transformer = flux2Preset('flux2-klein-4b');
  const resolution = over.resolution ?? 1024;
  const loraParams = loraTargetLayers(transformer, 'all-linear').reduce((n, l) => n + 16 * (l.inDim + l.outDim), 0);
  return {
    transformer, baseParams: flux2ParameterCount(transformer), storedBytesPerWeight: 2, basePrecision: 'bf16', loraParams,
    batch: 1, imageTokens: (resolution / 16) ** 2, textTokens: 512, gradientCheckpointing: true, resolution, ...over,
  };
}

let root: string;
let fixtures: { model: string; dataset: string };
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trainer-memory-estimate-'));
  fixtures = await writeFixtures(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('training memory estimate', () => {
  it('holds the base in its stored bytes (bf16) or one byte per weight (fp8, int8), and checkpointing shrinks activations', () => {
    const bf16 = estimateTrainingMemory(klein4b());
    const int8 = estimateTrainingMemory(klein4b({ basePrecision: 'int8' }));
    const params = flux2ParameterCount(flux2Preset('flux2-klein-4b'));
    // As held (2 or 1 bytes) + the float32 copies of a few layers at a time (4 widest layers, 1.27 GiB for klein 4B).
    expect(bf16.weightsBytes).toBeGreaterThan(2 * params + GB);
    expect(bf16.weightsBytes).toBeLessThan(2 * params + 1.5 * GB);
    expect(bf16.weightsBytes - int8.weightsBytes).toBeCloseTo(params, -6);
    const kept = estimateTrainingMemory(klein4b({ gradientCheckpointing: false }));
    expect(kept.activationsBytes).toBeGreaterThan(5 * bf16.activationsBytes);
    // Activations grow with the square of the side (tokens) and faster (attention pairs).
    expect(estimateTrainingMemory(klein4b({ resolution: 1024, imageTokens: 4096, gradientCheckpointing: false })).activationsBytes)
      .toBeGreaterThan(4 * estimateTrainingMemory(klein4b({ resolution: 512, imageTokens: 1024, gradientCheckpointing: false })).activationsBytes);
  });

  it('is within a factor of 2 of the peak resident memory measured in a tiny run', async () => {
    const runDir = join(root, 'run');
    const prepared = await prepareNewRun({ dataset: fixtures.dataset, base: fixtures.model, runDir, type: 'subject', trigger: 'sks', overrides: { steps: 4, checkpointEvery: 4, sampleEvery: 0, batchSize: 4, preservation: 0 } }, { threads: 1 });
    const model = prepared.model;
    const config = prepared.description.config;
    const c = model.transformer;
    const estimate = estimateTrainingMemory({
      transformer: c, baseParams: flux2ParameterCount(c), storedBytesPerWeight: 4, basePrecision: 'bf16',
      loraParams: loraTargetLayers(c, config.targets as 'all-linear').reduce((n, l) => n + config.rank * (l.inDim + l.outDim), 0),
      batch: config.batchSize, imageTokens: 16, textTokens: 16, gradientCheckpointing: false,
    });
    const events: TrainingEvent[] = [];
    expect(await new TrainingRun(prepared, runDir, (e) => events.push(e), { threads: 1 }).run()).toBe('finished');
    const measured = Math.max(...events.flatMap((e) => (e.type === 'step' ? [e.memoryMb * 1024 ** 2] : [])));
    expect(estimate.totalBytes / measured).toBeGreaterThan(0.5);
    expect(estimate.totalBytes / measured).toBeLessThan(2);
  });

  it('says a run fits, or which setting to change so it does', () => {
    // klein 4B at 1024 px in bf16 with checkpointing and 512 text tokens: ≈ 18 GB, so an 80 GB GPU holds it.
    expect(memoryFit(klein4b(), { device: 'cuda', totalBytes: 80 * GB })).toEqual({ fits: true, tight: false });
    expect(memoryFit(klein4b(), { device: 'cpu', totalBytes: 80 * GB, freeBytes: 16 * GB })).toEqual({ fits: true, tight: true });
    // Without checkpointing the activations do not fit 80 GB; turning it on is the cheapest change.
    const noCheckpointing = memoryFit(klein4b({ gradientCheckpointing: false }), { device: 'cuda', totalBytes: 80 * GB });
    expect(noCheckpointing.fits).toBe(false);
    expect(noCheckpointing.remedy).toMatchObject({ setting: 'gradientCheckpointing', advice: 'turn on gradient checkpointing' });
    // On 18 GB (17.1 usable): an 8-bit base is enough (≈ 14.5 GB).
    expect(memoryFit(klein4b(), { device: 'cuda', totalBytes: 18 * GB }).remedy).toMatchObject({ setting: 'basePrecision', value: 'int8' });
    // On 12 GB: an 8-bit base and a lower resolution together (≈ 10.3 GB at 768).
    const small = memoryFit(klein4b(), { device: 'cuda', totalBytes: 12 * GB });
    expect(small.remedy).toMatchObject({ setting: 'resolution', advice: expect.stringMatching(/^set the base precision to int8 \(or fp8\) and lower the resolution to (768|512)$/) });
    expect(small.remedy!.totalBytes).toBeLessThan(12 * GB);
    // Nothing fits in 4 GB (the int8 weights alone are 3.6 GiB).
    expect(memoryFit(klein4b(), { device: 'cuda', totalBytes: 4 * GB })).toEqual({ fits: false, tight: false });
  });
});
