// The training worker as a real child process on a tiny real model: exact resume after SIGKILL, the control
// commands, and setup problems reported before anything is trained.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestCheckpoint } from '../checkpoint';
import type { TrainingConfig } from '../config';
import type { TrainingEvent } from '../events';
import { MetricsLog } from '../metrics-log';
import { writeFixtures } from '../testing/fixtures';
import { TrainingWorker } from './training-worker-client';

let root: string;
let fixtures: { model: string; dataset: string };
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trainer-worker-'));
  fixtures = await writeFixtures(root);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const runtime = { threads: 1 };
function request(runDir: string, overrides: Partial<TrainingConfig>) {
  return { dataset: fixtures.dataset, base: fixtures.model, runDir, type: 'subject' as const, trigger: 'sks', overrides };
}
const losses = (runDir: string) => new MetricsLog(join(runDir, 'metrics.jsonl')).read().filter((r) => 'loss' in r).map((r) => [r.step, r.loss]);

describe('training worker', () => {
  it('resumes a run killed with SIGKILL at a random step to the same losses and tensors, bit for bit', async () => {
    const overrides: Partial<TrainingConfig> = { steps: 12, checkpointEvery: 3, sampleEvery: 0, batchSize: 2, seed: 7 };
    const whole = join(root, 'whole');
    expect(await TrainingWorker.start(request(whole, overrides), { runtime }).exited).toEqual({ reason: 'finished', step: 12 });

    const killAt = 2 + Math.floor(Math.random() * 9);
    const broken = join(root, 'broken');
    const worker = TrainingWorker.start(request(broken, overrides), {
      runtime,
      onEvent: (e) => { if (e.type === 'step' && e.step === killAt) worker.kill('SIGKILL'); },
    });
    const crash = await worker.exited;
    expect(crash).toMatchObject({ reason: 'crashed', signal: 'SIGKILL', message: expect.stringMatching(/killed \(SIGKILL.*Resume the run/) });
    const resumed: TrainingEvent[] = [];
    expect(await TrainingWorker.continueRun(broken, { runtime, onEvent: (e) => resumed.push(e) }).exited).toEqual({ reason: 'finished', step: 12 });

    const started = resumed.find((e) => e.type === 'started');
    // The kill lands a little after the step event, so the last checkpoint may be from just before or at killAt.
    expect([null, 3, 6, 9]).toContain((started as Extract<TrainingEvent, { type: 'started' }>).resumedFrom);
    expect(losses(broken)).toEqual(losses(whole));
    expect(losses(whole)).toHaveLength(12);
    const a = latestCheckpoint(join(whole, 'checkpoints'))!;
    const b = latestCheckpoint(join(broken, 'checkpoints'))!;
    expect(b.step).toBe(12);
    expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true);
    expect(Buffer.from(b.m.buffer).equals(Buffer.from(a.m.buffer))).toBe(true);
    expect(Buffer.from(b.v.buffer).equals(Buffer.from(a.v.buffer))).toBe(true);
    expect(readFileSync(join(broken, 'lora.safetensors')).equals(readFileSync(join(whole, 'lora.safetensors')))).toBe(true);
  });

  it('pauses, samples and saves on request, resumes, and stops keeping a checkpoint', async () => {
    const events: TrainingEvent[] = [];
    // Steps take milliseconds, so commands land a step or two after the event that triggered them: each reaction
    // keys on the step the worker reports, and one request is sent at a time, after the previous one's event.
    let pausedAt = -1;
    let resumedAt = -1;
    const worker = TrainingWorker.start(request(join(root, 'control'), { steps: 200, checkpointEvery: 100, sampleEvery: 0, batchSize: 1, sampleSteps: 2 }), {
      runtime,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step' && e.step === 2) worker.pause();
        if (e.type === 'paused') {
          pausedAt = e.step;
          worker.saveCheckpointNow();
        }
        if (e.type === 'checkpoint-saved' && e.step === pausedAt) worker.sampleNow('a sks disc on white', 5);
        if (e.type === 'sample-written') worker.resume();
        if (e.type === 'resumed') resumedAt = e.step;
        if (e.type === 'step' && resumedAt >= 0 && e.step === resumedAt + 2) worker.stop();
      },
    });
    const exit = await worker.exited;
    expect(exit.reason).toBe('stopped');
    const kinds = events.map((e) => e.type).filter((t) => t !== 'preparing' && t !== 'step');
    expect(kinds).toEqual(['started', 'paused', 'checkpoint-saved', 'sample-written', 'resumed', 'checkpoint-saved', 'stopped']);
    const paused = events.find((e) => e.type === 'paused')!;
    expect(events.find((e) => e.type === 'sample-written')).toMatchObject({ requested: true, prompt: 'a sks disc on white', seed: 5, step: paused.step });
    const stopped = events.find((e) => e.type === 'stopped') as Extract<TrainingEvent, { type: 'stopped' }>;
    expect(stopped.checkpoint).toMatch(/step-0+\d+\.safetensors$/);
    expect(latestCheckpoint(join(root, 'control', 'checkpoints'))!.step).toBe(stopped.step);
  });

  it('reports setup problems before training, without crashing', async () => {
    const exit = await TrainingWorker.start({ ...request(join(root, 'bad'), { steps: 0 }), trigger: 'zzq' }, { runtime }).exited;
    expect(exit.reason).toBe('setup-failed');
    if (exit.reason !== 'setup-failed') return;
    expect(exit.problems).toEqual([
      expect.stringMatching(/^steps must be a whole number from 1/),
      expect.stringMatching(/^no caption contains the trigger word "zzq"/),
    ]);
  });
});
