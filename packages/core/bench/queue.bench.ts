// npm run bench:queue — what the run queue costs against training on this machine, on the same machine:
//   1. steps/s of one run trained locally (TrainingWorker) and the same run through the queue (a real redis-server,
//      a QueueWorker in this process training with the same TrainingWorker, events followed as the CLI does);
//      the ratio's goal is ≥ 0.95;
//   2. "Train" → first step seen by the follower, with a cold worker cache (dataset downloaded, encodings made)
//      and a warm one (the same dataset again: nothing downloaded, encodings from the cache);
//   3. job taken → first step: from the moment a worker takes the job (BullMQ's own 'active' event) to the first
//      step event, what the worker's fit check, dataset and model load cost before training starts.
// Options: --steps N (default 60), --images N (default 8), --threads N (default 1). Figures vary with whatever else
// the machine runs; compare them on a quiet machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { QueueEvents } from 'bullmq';
import { TrainingWorker, type TrainingEvent } from '@lora-studio/trainer';
import { writeImageFolder } from '@lora-studio/trainer/testing';
import { QueueWorker } from '../src/queue/queue-worker';
import { queueKeys } from '../src/queue/queue-keys';
import { RunQueueClient } from '../src/queue/run-queue-client';
import { TestRedis } from '../src/queue/testing/redis-server';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '60' }, images: { type: 'string', default: '8' }, threads: { type: 'string', default: '1' } } });
const steps = Number(values.steps);
const threads = Number(values.threads);
const root = mkdtempSync(join(tmpdir(), 'bench-queue-'));
const dataset = join(root, 'images');
await writeImageFolder(dataset, Number(values.images));
const overrides = { steps, checkpointEvery: Math.max(1, Math.round(steps / 4)), sampleEvery: 0, priorImages: 0, seed: 1 };

/** Steps per second between the first and the last step event, as whoever watches the run sees them. */
function rate(times: number[]): number {
  return (times.length - 1) / ((times[times.length - 1]! - times[0]!) / 1000);
}

/** The trainer's own time per step (ms), the mean over the run: what the step costs without the delivery. */
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function local(): Promise<{ rate: number; firstStepMs: number; stepMs: number }> {
  const times: number[] = [];
  const stepMs: number[] = [];
  const t0 = Date.now();
  const exit = await TrainingWorker.start(
    { dataset, base: 'default', runDir: join(root, `local-${Date.now()}`), type: 'style', trigger: 'sks', overrides },
    { runtime: { threads }, onEvent: (e: TrainingEvent) => { if (e.type === 'step') { times.push(Date.now()); stepMs.push(e.stepMs); } } },
  ).exited;
  if (exit.reason !== 'finished') throw new Error(`local run: ${exit.reason}`);
  return { rate: rate(times), firstStepMs: times[0]! - t0, stepMs: mean(stepMs) };
}

const redis = await TestRedis.start();
const connection = { redisUrl: redis.url, queueName: 'bench', secret: 'bench-secret-0123456789' };
const client = new RunQueueClient(connection);
/** When a worker took each job (job id = run key for a new run). */
const taken = new Map<string, number>();
const queueEvents = new QueueEvents(connection.queueName, { connection: { url: redis.url }, prefix: queueKeys(connection.queueName).bullPrefix });
queueEvents.on('active', ({ jobId }) => { if (!taken.has(jobId)) taken.set(jobId, Date.now()); });
await queueEvents.waitUntilReady();
let worker: QueueWorker | undefined;
async function startWorker(cacheDir: string): Promise<void> {
  await worker?.close();
  worker = await QueueWorker.start({ ...connection, name: 'bench', labels: [], concurrency: 1, cacheDir, resolveBase: (id) => id, threads, version: 'bench', log: () => undefined });
}

/** One run through the queue: steps/s as followed, the time from submit to the first step, and from job taken to it. */
async function queued(): Promise<{ rate: number; firstStepMs: number; takenToStepMs: number; stepMs: number }> {
  const times: number[] = [];
  const stepMs: number[] = [];
  const t0 = Date.now();
  const { runKey } = await client.submit({ dataset, name: 'bench', base: 'default', type: 'style', trigger: 'sks', overrides, labels: [] });
  let end = '';
  await client.follow(runKey, join(root, `queued-${runKey}`), '0', (e) => {
    if (e.type === 'step') {
      times.push(Date.now());
      stepMs.push(e.stepMs);
    }
    if (e.type === 'exit') end = e.reason;
  });
  if (end !== 'finished') throw new Error(`queued run: ${end}`);
  return { rate: rate(times), firstStepMs: times[0]! - t0, takenToStepMs: times[0]! - taken.get(runKey)!, stepMs: mean(stepMs) };
}

try {
  console.log(`bench:queue — ${steps} steps, ${values.images} images, ${threads} thread(s), default model`);
  const here = await local();
  const localRate = here.rate;
  await startWorker(join(root, 'cache-a'));
  const cold = await queued();
  const warm = await queued();
  // On a busy machine the steps themselves vary run to run; the delivered rate against the trainer's own step time
  // shows what the queue path adds on top (1.000 = nothing).
  const ms = (x: { rate: number; stepMs: number }) => `trainer's own step ${x.stepMs.toFixed(0)} ms, delivered/own ${((x.rate * x.stepMs) / 1000).toFixed(3)}`;
  console.log(`local run:           ${localRate.toFixed(2)} steps/s  (${ms(here)})`);
  console.log(`queue run (cold):    ${cold.rate.toFixed(2)} steps/s  (queue / local ${(cold.rate / localRate).toFixed(3)}; ${ms(cold)})`);
  console.log(`queue run (warm):    ${warm.rate.toFixed(2)} steps/s  (queue / local ${(warm.rate / localRate).toFixed(3)}; goal ≥ 0.95; ${ms(warm)})`);
  console.log(`Train → first step:  cold worker cache ${(cold.firstStepMs / 1000).toFixed(2)} s, warm ${(warm.firstStepMs / 1000).toFixed(2)} s (this machine: ${(here.firstStepMs / 1000).toFixed(2)} s)`);
  console.log(`job taken → first step: cold worker cache ${(cold.takenToStepMs / 1000).toFixed(2)} s, warm ${(warm.takenToStepMs / 1000).toFixed(2)} s`);
} finally {
  await worker?.close();
  await queueEvents.close();
  await client.close();
  await redis.dispose();
  rmSync(root, { recursive: true, force: true });
}
