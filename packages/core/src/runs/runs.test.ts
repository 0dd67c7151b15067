// The Train services against a real training worker process on the embedded default model (tiny step counts):
// events and SQLite rows in order, pause/resume, stop, a SIGKILL mid-run → interrupted → exact resume.
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEventName, ServerEvents } from '@lora-studio/api';
import { createStudio } from '../index';

const samples = resolve(fileURLToPath(import.meta.url), '../../../../../resources/samples/style');
const events: { name: ServerEventName; payload: unknown }[] = [];
const home = mkdtempSync(join(tmpdir(), 'ls-runs-'));
const studio = createStudio({
  home,
  mode: 'browser',
  emit: <K extends ServerEventName>(name: K, payload: ServerEvents[K]) => void events.push({ name, payload }),
  training: { runtime: { threads: 1 } },
});
let dir = '';
let summaryImages = 0;

async function call<T = any>(name: string, args: unknown): Promise<T> {
  const res = await studio.dispatcher.call(1, name, args);
  if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
  return res.result as T;
}
const quick = { steps: 6, checkpointEvery: 2, sampleEvery: 0, batchSize: 2, seed: 3 };

beforeAll(async () => {
  dir = (await call('project-create', { name: 'Flat', dir: join(home, 'flat'), type: 'style', trigger: 'flt' })).dir;
  const summary = await call('images-import', { dir, paths: [samples] });
  expect(summary.imported).toBeGreaterThanOrEqual(30);
  summaryImages = summary.imported;
});
afterAll(() => studio.close());

describe('training runs through the services', () => {
  it('preflight proposes the preset with its reasoning and no blocking errors', async () => {
    const report = await call('run-preflight', { dir });
    expect(report.errors).toEqual([]);
    expect(report.settings).toMatchObject({ type: 'style', trigger: 'flt', scheduler: 'constant-with-warmup', rank: 16, alpha: 16 });
    expect(report.reasoning.steps).toMatch(/images × /);
    expect(report.warnings.map((w: { id: string }) => w.id)).toContain('captions-unreviewed');
    expect(report.estimate.memoryMb).toBeGreaterThan(0);
  });

  it('runs to the end: metrics rows, checkpoints and events in order', async () => {
    events.length = 0;
    const run = await call('run-start', { dir, overrides: quick });
    await studio.runs.whenIdle();
    const detail = await call('run-get', { dir, runId: run.id });
    expect(detail.status).toBe('finished');
    expect(detail.step).toBe(6);
    expect(detail.checkpoints.map((c: { step: number }) => c.step)).toEqual([2, 4, 6]);
    const metrics = await call('run-metrics', { dir, runId: run.id });
    expect(metrics.map((m: { step: number }) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(metrics.every((m: { loss: number }) => Number.isFinite(m.loss))).toBe(true);
    const names = events.filter((e) => (e.payload as { runId?: number }).runId === run.id).map((e) => e.name);
    expect(names[0]).toBe('run-changed');
    expect(names.indexOf('run-metrics')).toBeGreaterThan(0);
    // Getting ready is reported before the first step: the prior pictures (one per image on the small model) and
    // the encodings each end with a complete count.
    const preparing = events.filter((e) => e.name === 'run-preparing' && (e.payload as { runId: number }).runId === run.id)
      .map((e) => (e.payload as ServerEvents['run-preparing']).preparing);
    expect(preparing.find((p) => p.stage === 'prior' && p.done === p.total)).toMatchObject({ total: summaryImages });
    expect(preparing.find((p) => p.stage === 'encoding' && p.done === p.total)).toMatchObject({ total: 2 * summaryImages });
    expect(names.lastIndexOf('run-preparing')).toBeLessThan(names.indexOf('run-metrics'));
    expect(names.lastIndexOf('run-checkpoint')).toBeGreaterThan(names.indexOf('run-metrics'));
    const statuses = events.filter((e) => e.name === 'run-changed').map((e) => (e.payload as { run: { status: string } }).run.status);
    expect(statuses[statuses.length - 1]).toBe('finished');
    expect((await call('run-list', { dir }))[0]).toMatchObject({ id: run.id, status: 'finished' });
  });

  it('a worker killed mid-run shows as interrupted, and resuming gives the same losses and LoRA', async () => {
    const reference = (await call('run-list', { dir })).find((r: { status: string }) => r.status === 'finished');
    const run = await call('run-start', { dir, overrides: quick });
    const killed = new Promise<void>((done) => {
      const poll = setInterval(() => {
        if (events.some((e) => e.name === 'run-metrics' && (e.payload as { runId: number; points: { step: number }[] }).runId === run.id && (e.payload as { points: { step: number }[] }).points.some((p) => p.step >= 3))) {
          clearInterval(poll);
          studio.runs.activeWorker()?.kill('SIGKILL');
          done();
        }
      }, 20);
    });
    await killed;
    await studio.runs.whenIdle();
    const interrupted = await call('run-get', { dir, runId: run.id });
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.message).toMatch(/Resume/);
    await call('run-resume', { dir, runId: run.id });
    await studio.runs.whenIdle();
    expect((await call('run-get', { dir, runId: run.id })).status).toBe('finished');
    // Step times differ between runs; everything computed must not.
    const computed = async (runId: number) =>
      (await call('run-metrics', { dir, runId })).map(({ stepMs: _ms, ...m }: { stepMs: number }) => m);
    expect(await computed(run.id)).toEqual(await computed(reference.id));
    const lora = (id: number) => readFileSync(join(dir, 'runs', String(id), 'lora.safetensors'));
    expect(lora(run.id).equals(lora(reference.id))).toBe(true);
  });

  it('pauses and resumes a live run, and stops it keeping its checkpoints', async () => {
    // Long enough that the pause always lands before the end, however fast the machine (metrics arrive in batches,
    // so a short run could finish before the first batch is seen).
    const run = await call('run-start', { dir, overrides: { ...quick, steps: 2000, checkpointEvery: 2 } });
    const metricsOf = (id: number) =>
      events.filter((e) => e.name === 'run-metrics' && (e.payload as { runId: number }).runId === id).flatMap((e) => (e.payload as { points: { step: number }[] }).points);
    const until = (check: () => Promise<boolean> | boolean) =>
      new Promise<void>((done) => {
        const poll = setInterval(async () => {
          if (await check()) {
            clearInterval(poll);
            done();
          }
        }, 20);
      });
    await until(() => metricsOf(run.id).length > 0);
    await call('run-pause', { dir, runId: run.id });
    await until(async () => (await call('run-get', { dir, runId: run.id })).status === 'paused');
    const pausedAt = (await call('run-get', { dir, runId: run.id })).step;
    expect(pausedAt).toBeLessThan(2000);
    await call('run-resume', { dir, runId: run.id });
    // Resumed: it trains on past the step it paused at, then stops at the next step with a checkpoint.
    await until(() => Math.max(...metricsOf(run.id).map((p) => p.step)) > pausedAt);
    await call('run-stop', { dir, runId: run.id });
    await studio.runs.whenIdle();
    const detail = await call('run-get', { dir, runId: run.id });
    expect(detail.status).toBe('stopped');
    expect(detail.step).toBeGreaterThan(pausedAt);
    expect(detail.checkpoints.length).toBeGreaterThan(0);
  });

  it('after a crash of the whole studio, runs left "running" reopen as interrupted', async () => {
    const runId = (await call('run-list', { dir }))[0].id;
    studio.ctx.project(dir).db.prepare("UPDATE runs SET status = 'running' WHERE id = ?").run(runId);
    const again = createStudio({ home, mode: 'browser' });
    const res = await again.dispatcher.call(1, 'run-list', { dir });
    again.close();
    expect(res.ok && (res.result as { id: number; status: string }[]).find((r) => r.id === runId)?.status).toBe('interrupted');
  });
});

describe('preflight blocking conditions', () => {
  it('an empty project and a trigger missing from every caption each block with a message', async () => {
    const empty = (await call('project-create', { name: 'Empty', dir: join(home, 'empty'), type: 'subject', trigger: 'sks' })).dir;
    const report = await call('run-preflight', { dir: empty });
    expect(report.errors.length).toBeGreaterThan(0);
    expect(report.errors.map((e: { message: string }) => e.message).join(' ')).toMatch(/image/i);
    // Each problem once, though the dataset check and the trainer's own setup both find it.
    const messages = report.errors.map((e: { message: string }) => e.message);
    expect(new Set(messages).size).toBe(messages.length);
    await expect(call('run-start', { dir: empty })).rejects.toThrow(/Training cannot start/);

    const wrong = await call('run-preflight', { dir, overrides: { trigger: 'zzq' } });
    expect(wrong.errors.map((e: { message: string }) => e.message).join(' ')).toMatch(/zzq/);
  });
});
