// The studio's side of the run queue: Settings → Compute pointed at a real redis-server, a run started from a
// project trains on a real `lora-studio worker` process, and a studio closed mid-run catches up when reopened —
// every metric row once, every checkpoint and sample in the project — with the same result as on this machine.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunDetail, RunSummary } from '@lora-studio/api';
import { createStudio } from '@lora-studio/core';
import { TestRedis } from '@lora-studio/core/queue/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, TEST_QUEUE_SECRET, type CliProcess } from './testing/queue-processes';

const samples = resolve(import.meta.dirname, '../../../resources/samples/style');
let redis: TestRedis;
let root: string;
let worker: CliProcess;
let dir = '';
const home = () => join(root, 'home');

type Studio = ReturnType<typeof createStudio>;
function open(): Studio {
  return createStudio({ home: home(), mode: 'browser', training: { runtime: { threads: 1 } } });
}
async function call<T>(studio: Studio, name: string, args: unknown): Promise<T> {
  const res = await studio.dispatcher.call(1, name, args);
  if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
  return res.result as T;
}
async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, label: string): Promise<T> {
  for (let i = 0; i < 1200; i++) {
    const v = await what();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${label}`);
}

beforeAll(async () => {
  redis = await TestRedis.start();
  root = mkdtempSync(join(tmpdir(), 'queue-studio-'));
  worker = await startWorker(redis.url, 'studio-worker', join(root, 'cache'));
  const studio = open();
  const settings = await call(studio, 'compute-set', { target: 'queue', redisUrl: redis.url, secret: TEST_QUEUE_SECRET });
  expect(settings).toEqual({ target: 'queue', redisUrl: `${redis.url}`, queueName: 'lora-studio', secretSet: true, artifacts: { kind: 'redis' } });
  dir = (await call<{ dir: string }>(studio, 'project-create', { name: 'Flat', dir: join(root, 'flat'), type: 'style', trigger: 'flt' })).dir;
  await call(studio, 'images-import', { dir, paths: [samples] });
  studio.close();
});
afterAll(async () => {
  worker.kill('SIGKILL');
  await redis.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('studio runs on the run queue', () => {
  it('trains a project run on a worker, catches up after the studio restarts mid-run, and equals a local run', async () => {
    let studio = open();
    const overrides = { steps: 10, checkpointEvery: 2, sampleEvery: 5, priorImages: 0, seed: 3, sampleSteps: 2 };

    const queued = await call<RunSummary>(studio, 'run-start', { dir, overrides });
    expect(queued.where).toMatchObject({ kind: 'queue', labels: [] });
    await until(() => call<RunDetail>(studio, 'run-get', { dir, runId: queued.id }), (r) => r.step >= 3, 'step 3');
    expect((await call<RunDetail>(studio, 'run-get', { dir, runId: queued.id })).where).toMatchObject({ kind: 'queue', worker: 'studio-worker' });
    expect(await call(studio, 'compute-workers', {})).toEqual({ workers: [expect.objectContaining({ name: 'studio-worker' })], notSigned: 0 });
    studio.close();

    studio = open();
    const done = await until(() => call<RunDetail>(studio, 'run-get', { dir, runId: queued.id }), (r) => r.status === 'finished' || r.status === 'failed', 'the run to end');
    expect(done.status, done.message ?? '').toBe('finished');
    const metrics = await call<{ step: number; loss: number }[]>(studio, 'run-metrics', { dir, runId: queued.id });
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(done.checkpoints.map((c) => c.step)).toEqual([2, 4, 6, 8, 10]);
    for (const c of done.checkpoints) expect(existsSync(join(dir, c.file))).toBe(true);
    expect(done.samples.length).toBeGreaterThan(0);
    expect(new Set(done.samples.map((s) => `${s.step} ${s.prompt} ${s.seed}`)).size).toBe(done.samples.length);
    for (const s of done.samples) expect(existsSync(join(dir, s.file))).toBe(true);

    // The same run on this machine.
    const local = await call<RunSummary>(studio, 'run-start', { dir, overrides, runOn: { target: 'this-machine' } });
    expect(local.where).toEqual({ kind: 'this-machine' });
    await studio.runs.whenIdle();
    const localMetrics = await call<{ step: number; loss: number }[]>(studio, 'run-metrics', { dir, runId: local.id });
    expect(metrics.map((m) => [m.step, m.loss])).toEqual(localMetrics.map((m) => [m.step, m.loss]));
    const lora = (id: number) => readFileSync(join(dir, 'runs', String(id), 'lora.safetensors'));
    expect(lora(queued.id).equals(lora(local.id))).toBe(true);
    studio.close();
  }, 400_000);

  it('pause, sample-now, resume and stop reach the worker through the queue', async () => {
    const studio = open();
    try {
      const run = await call<RunSummary>(studio, 'run-start', { dir, overrides: { steps: 400, checkpointEvery: 200, sampleEvery: 0, priorImages: 0, seed: 4, sampleSteps: 2 } });
      const get = () => call<RunDetail>(studio, 'run-get', { dir, runId: run.id });
      await until(get, (r) => r.step >= 2, 'step 2');
      await call(studio, 'run-pause', { dir, runId: run.id });
      const paused = await until(get, (r) => r.status === 'paused', 'paused');
      await call(studio, 'run-sample-now', { dir, runId: run.id, prompt: 'a flt face', seed: 5 });
      const sampled = await until(get, (r) => r.samples.some((s) => s.requested), 'the sample');
      expect(sampled.samples.find((s) => s.requested)).toMatchObject({ prompt: 'a flt face', seed: 5, step: paused.step });
      expect(existsSync(join(dir, sampled.samples.find((s) => s.requested)!.file))).toBe(true);
      await call(studio, 'run-resume', { dir, runId: run.id });
      await until(get, (r) => r.status === 'running' && r.step > paused.step, 'running again');
      await call(studio, 'run-stop', { dir, runId: run.id });
      const stopped = await until(get, (r) => r.status === 'stopped', 'stopped');
      expect(stopped.step).toBeLessThan(400);
      expect(stopped.checkpoints.map((c) => c.step)).toContain(stopped.step);
    } finally {
      studio.close();
    }
  }, 400_000);
});
