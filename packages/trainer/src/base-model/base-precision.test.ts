// Training on a quantized base (fp8 / int8 per output channel): the loss still falls, the LoRA exports in every
// format, the quantized copy is made once in the run's cache, and a resumed run continues bit for bit.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLora, saveLora, type LoraFormat } from '@lora-studio/models';
import { latestCheckpoint } from '../checkpoint';
import type { TrainingConfig } from '../config';
import type { TrainingEvent } from '../events';
import { prepareNewRun, prepareResume } from '../setup';
import { writeFixtures } from '../testing/fixtures';
import { TrainingRun } from '../training-run';

let root: string;
let fixtures: { model: string; dataset: string };
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trainer-base-precision-'));
  fixtures = await writeFixtures(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const steps = (events: TrainingEvent[]) => events.flatMap((e) => (e.type === 'step' ? [e.loss] : []));

async function train(runDir: string, overrides: Partial<TrainingConfig>, stopAt?: number): Promise<TrainingEvent[]> {
  const prepared = await prepareNewRun({ dataset: fixtures.dataset, base: fixtures.model, runDir, type: 'subject', trigger: 'sks', overrides }, { threads: 1 });
  const events: TrainingEvent[] = [];
  const run: TrainingRun = new TrainingRun(prepared, runDir, (e) => {
    events.push(e);
    if (stopAt !== undefined && e.type === 'step' && e.step === stopAt) run.stop();
  }, { threads: 1 });
  await run.run();
  return events;
}

describe('base precision', () => {
  for (const basePrecision of ['fp8', 'int8'] as const) {
    it(`${basePrecision}: a LoRA trained on the quantized base lowers the loss and exports as peft, bfl and kohya`, async () => {
      const runDir = join(root, `train-${basePrecision}`);
      const settings: Partial<TrainingConfig> = { steps: 40, checkpointEvery: 40, sampleEvery: 0, batchSize: 4, rank: 8, alpha: 8, seed: 1, targets: 'all-linear', preservation: 0, basePrecision };
      const events = await train(runDir, { ...settings, lr: 1e-2 });
      expect(events.find((e) => e.type === 'finished')).toBeDefined();
      // The same batches, noise and times with a learning rate too small to move the LoRA: the base model's loss.
      // Paired step by step, so the noise of random times and noise cancels out.
      const base = steps(await train(join(root, `untrained-${basePrecision}`), { ...settings, lr: 1e-12 }));
      const trained = steps(events);
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      expect(sum(trained.slice(-20))).toBeLessThan(0.95 * sum(base.slice(-20)));
      expect(readdirSync(join(runDir, 'cache', 'base-model'))).toEqual([expect.stringMatching(new RegExp(`^base-${basePrecision}-[0-9a-f]{16}\\.safetensors$`))]);
      const { adapter } = loadLora(join(runDir, 'lora.safetensors'));
      for (const format of ['peft', 'bfl', 'kohya'] as LoraFormat[]) {
        const out = join(runDir, `lora-${format}.safetensors`);
        saveLora(out, adapter, format);
        expect(loadLora(out).adapter.layers.map((l) => l.path)).toEqual(adapter.layers.map((l) => l.path));
      }
    });
  }

  it('int8: a run stopped at step 5 and resumed ends with the same losses and tensors as one run straight through', async () => {
    const overrides: Partial<TrainingConfig> = { steps: 10, checkpointEvery: 5, sampleEvery: 0, batchSize: 2, seed: 4, basePrecision: 'int8' };
    const whole = join(root, 'whole');
    const straight = steps(await train(whole, overrides));
    const broken = join(root, 'broken');
    const first = steps(await train(broken, overrides, 5));
    const prepared = await prepareResume(broken, { threads: 1 });
    const events: TrainingEvent[] = [];
    expect(await new TrainingRun(prepared, broken, (e) => events.push(e), { threads: 1 }).run()).toBe('finished');
    expect([...first.slice(0, 5), ...steps(events)]).toEqual(straight);
    const a = latestCheckpoint(join(whole, 'checkpoints'))!;
    const b = latestCheckpoint(join(broken, 'checkpoints'))!;
    expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true);
    expect(Buffer.from(b.m.buffer).equals(Buffer.from(a.m.buffer))).toBe(true);
  });
});
