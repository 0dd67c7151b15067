// The run queue end to end: a real redis-server, real `lora-studio worker` processes, `train --queue` followers,
// the embedded default model, a few steps each. Results are compared with the same runs trained locally.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { queueKeys, RunQueueClient, signRunJob, type RunJob } from '@lora-studio/core';
import { TestRedis } from '@lora-studio/core/queue/testing';
import { MetricsLog, TrainingWorker } from '@lora-studio/trainer';
import { writeImageFolder } from '@lora-studio/trainer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, startWorker, TEST_QUEUE_SECRET, type CliProcess } from './testing/queue-processes';

let redis: TestRedis;
let root: string;
let dataset: string;
const processes: CliProcess[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  root = mkdtempSync(join(tmpdir(), 'queue-e2e-'));
  dataset = join(root, 'images');
  await writeImageFolder(dataset, 4);
});
afterAll(async () => {
  for (const p of processes) p.kill('SIGKILL');
  await redis.dispose();
  rmSync(root, { recursive: true, force: true });
});

const settings = (seed: number, steps = 4) => ['--steps', String(steps), '--checkpoint-every', '2', '--sample-every', '0', '--prior-images', '0', '--seed', String(seed), '--threads', '1'];

/** The same run trained here, without the queue. */
async function trainLocally(name: string, seed: number, steps = 4): Promise<string> {
  const runDir = join(root, 'local', name);
  const exit = await TrainingWorker.start(
    { dataset, base: 'default', runDir, type: 'style', trigger: 'sks', overrides: { steps, checkpointEvery: 2, sampleEvery: 0, priorImages: 0, seed } },
    { runtime: { threads: 1 } },
  ).exited;
  expect(exit.reason).toBe('finished');
  return runDir;
}

function train(out: string, seed: number, steps = 4, extra: string[] = []): CliProcess {
  const p = startCli(['train', dataset, '--base', 'default', '--type', 'style', '--trigger', 'sks', '--out', out, ...settings(seed, steps), '--queue', redis.url, ...extra]);
  processes.push(p);
  return p;
}

async function worker(name: string, extra: string[] = []): Promise<CliProcess> {
  const w = await startWorker(redis.url, name, join(root, 'cache', name), extra);
  processes.push(w);
  return w;
}

async function stop(w: CliProcess): Promise<void> {
  w.kill('SIGTERM');
  await w.exited;
}

const losses = (runDir: string) => new MetricsLog(join(runDir, 'metrics.jsonl')).read().map((r) => [r.step, r.loss]);
const lora = (runDir: string) => readFileSync(join(runDir, 'lora.safetensors'));

describe('run queue', () => {
  it('spreads three runs over two workers; every result arrives and equals the same run trained locally', async () => {
    const a = await worker('alpha');
    const b = await worker('beta');
    const runs = [1, 2, 3].map((seed) => ({ seed, out: join(root, 'spread', `run-${seed}`) }));
    const followers = runs.map((r) => train(r.out, r.seed));
    expect(await Promise.all(followers.map((f) => f.exited))).toEqual([0, 0, 0]);
    const claimedBy = followers.map((f) => /Training on worker (\w+)/.exec(f.output)?.[1]);
    expect(new Set(claimedBy)).toEqual(new Set(['alpha', 'beta']));
    for (const r of runs) {
      const local = await trainLocally(`spread-${r.seed}`, r.seed);
      expect(losses(r.out)).toEqual(losses(local));
      expect(lora(r.out).equals(lora(local))).toBe(true);
      expect(losses(r.out).map(([s]) => s)).toEqual([1, 2, 3, 4]);
      expect(existsSync(join(r.out, 'checkpoints', 'step-000002.safetensors'))).toBe(true);
      expect(readFileSync(join(r.out, 'checkpoints', 'step-000004.safetensors')).equals(readFileSync(join(local, 'checkpoints', 'step-000004.safetensors')))).toBe(true);
    }
    const list = startCli(['runs', '--queue', redis.url]);
    expect(await list.exited).toBe(0);
    expect(list.output).toMatch(/run-1 .*finished on (alpha|beta)/);
    await Promise.all([stop(a), stop(b)]);
  }, 300_000);

  it('worker, train --queue and runs say at once when Redis cannot be reached, or the secret is missing', async () => {
    const gone = await TestRedis.start();
    const url = gone.url;
    await gone.dispose();
    for (const args of [['worker', '--redis', url], ['runs', '--queue', url], ['train', dataset, '--out', join(root, 'unreached'), '--queue', url]]) {
      const p = startCli(args);
      expect(await p.exited).toBe(1);
      expect(p.output).toMatch(/^Nothing answers at 127\.0\.0\.1:\d+\. Check that redis-server runs there and that the port is right\.$/m);
    }
    const noSecret = startCli(['worker', '--redis', redis.url], { LORA_STUDIO_QUEUE_SECRET: '' });
    expect(await noSecret.exited).toBe(2);
    expect(noSecret.output).toMatch(/needs a shared secret of at least 16 characters/);
  }, 60_000);

  it('runs lists only the workers and runs that verify with the secret, and counts the others in one line', async () => {
    const w = await worker('delta', ['--queue-name', 'listing']);
    const client = new RunQueueClient({ redisUrl: redis.url, queueName: 'listing', secret: TEST_QUEUE_SECRET });
    const keys = client.keys;
    // What an older version (or anyone with access to Redis) writes: a heartbeat and a run's info without signatures.
    const heartbeat = { name: 'intruder', host: 'elsewhere', labels: [], version: '0.1', device: 'CPU', concurrency: 1, totalMemoryBytes: 1, freeMemoryBytes: 1, runs: [], heartbeatAt: new Date().toISOString(), startedAt: new Date().toISOString() };
    await client.redis.multi().set(keys.worker('intruder'), JSON.stringify(heartbeat), 'PX', 60_000).sadd(keys.workers, 'intruder').exec();
    await client.redis.hset(keys.runInfo('intruder-run'), { name: 'intruder run', status: 'running', worker: 'intruder', step: '9', totalSteps: '10', labels: '[]', submittedAt: '', updatedAt: '', message: '' });
    await client.redis.zadd(keys.runs, String(Date.now()), 'intruder-run');
    await client.close();

    const list = startCli(['runs', '--queue', redis.url, '--queue-name', 'listing']);
    expect(await list.exited, list.output).toBe(0);
    expect(list.output).toMatch(/^ {2}delta /m);
    expect(list.output).not.toMatch(/intruder/);
    expect(list.output).toMatch(/^2 entries on this queue are not signed with your secret — a worker or studio with another secret, or an older version\.$/m);
    expect(list.output.match(/not signed/g)).toHaveLength(1);
    const json = startCli(['runs', '--queue', redis.url, '--queue-name', 'listing', '--json']);
    expect(await json.exited).toBe(0);
    expect(JSON.parse(json.output)).toMatchObject({ runs: [], workers: [expect.objectContaining({ name: 'delta' })], notSigned: 2 });
    const noSecret = startCli(['runs', '--queue', redis.url, '--queue-name', 'listing'], { LORA_STUDIO_QUEUE_SECRET: '' });
    expect(await noSecret.exited).toBe(2);
    expect(noSecret.output).toMatch(/needs a shared secret of at least 16 characters/);
    await stop(w);
  }, 60_000);

  it('refuses a job whose signature does not verify, logs it and never trains it', async () => {
    const w = await worker('gamma');
    const keys = queueKeys('lora-studio');
    const queue = new Queue('lora-studio', { connection: { url: redis.url }, prefix: keys.bullPrefix });
    const job: RunJob = {
      version: 1, runKey: '11111111-2222-3333-4444-555555555555', name: 'forged', base: 'default', overrides: { steps: 2 },
      dataset: { sha256: 'a'.repeat(64), size: 1 }, labels: [], submittedAt: new Date().toISOString(),
    };
    const added = await queue.add('run', signRunJob(job, 'not-the-shared-secret-at-all', 'lora-studio'), { jobId: 'forged-1', attempts: 3 });
    await w.waitFor(/Refused job forged-1: The job signature does not verify/);
    await expect.poll(async () => (await queue.getJob(added.id!))?.failedReason, { timeout: 10_000 }).toMatch(/signature does not verify/);
    expect((await queue.getJob(added.id!))?.attemptsMade).toBe(1);
    expect(existsSync(join(root, 'cache', 'gamma', 'runs', job.runKey))).toBe(false);
    const client = new RunQueueClient({ redisUrl: redis.url, queueName: 'lora-studio', secret: TEST_QUEUE_SECRET });
    expect(await client.redis.lrange(keys.refusedJobs, 0, -1)).toEqual([expect.stringMatching(/"jobId":"forged-1".*signature does not verify/)]);
    await client.close();
    await queue.close();
    await stop(w);
  }, 120_000);

  it('a run whose files expired from Redis fails with the reason instead of waiting forever', async () => {
    const client = new RunQueueClient({ redisUrl: redis.url, queueName: 'lora-studio', secret: TEST_QUEUE_SECRET });
    try {
      const { runKey } = await client.submit({ dataset, name: 'expired', base: 'default', type: 'style', trigger: 'sks', overrides: { steps: 2 }, labels: [] });
      const keys = queueKeys('lora-studio');
      for (const k of await client.redis.keys(`${keys.artifactPrefix}*`)) await client.redis.del(k);
      const w = await worker('janitor');
      const seen: string[] = [];
      await client.follow(runKey, join(root, 'expired'), '0', (e) => {
        if (e.type === 'exit') seen.push(`${e.reason}: ${e.message}`);
      });
      expect(seen).toEqual([expect.stringMatching(/^failed: The worker janitor could not get the run ready: The file .* is no longer in the run queue/)]);
      expect((await client.run(runKey))).toMatchObject({ status: 'failed' });
      expect(await client.redis.ttl(keys.runEvents(runKey))).toBeGreaterThan(0);
      await stop(w);
    } finally {
      await client.close();
    }
  }, 120_000);

  it('a run for a label goes only to workers with it; others say why they leave it queued', async () => {
    const plain = await worker('plain');
    const out = join(root, 'labels', 'run');
    const follower = train(out, 6, 4, ['--labels', 'gpu-24gb']);
    await follower.waitFor(/note: worker plain cannot take this run: it needs the label gpu-24gb; this worker has none\./);
    follower.kill('SIGINT');
    expect(await follower.exited).toBe(0);
    const client = new RunQueueClient({ redisUrl: redis.url, queueName: 'lora-studio', secret: TEST_QUEUE_SECRET });
    try {
      const runKey = (JSON.parse(readFileSync(join(out, 'queue.json'), 'utf8')) as { runKey: string }).runKey;
      expect(await client.run(runKey)).toMatchObject({ status: 'queued', labels: ['gpu-24gb'] });
      expect(await client.refusals(runKey)).toEqual({ plain: 'it needs the label gpu-24gb; this worker has none.' });
      const labelled = await worker('labelled', ['--labels', 'gpu-24gb,cuda']);
      const again = startCli(['resume', out, '--queue', redis.url]);
      processes.push(again);
      expect(await again.exited, again.output).toBe(0);
      expect(again.output).toMatch(/Training on worker labelled/);
      expect(existsSync(join(out, 'lora.safetensors'))).toBe(true);
      await stop(labelled);
    } finally {
      await client.close();
    }
    await stop(plain);
  }, 300_000);

  it('a worker that cannot fit the run refuses it with the reason; it stays queued until a worker that can takes it', async () => {
    const small = await worker('small', ['--memory', '0.01']);
    const out = join(root, 'fit', 'run');
    const follower = train(out, 5);
    await follower.waitFor(/note: worker small cannot take this run: This run needs about .* cannot hold it/);
    const list = startCli(['runs', '--queue', redis.url, '--json']);
    expect(await list.exited).toBe(0);
    const runKey = (JSON.parse(readFileSync(join(out, 'queue.json'), 'utf8')) as { runKey: string }).runKey;
    const listed = (JSON.parse(list.output) as { runs: { runKey: string; status: string; position: number | null; message: string }[] }).runs.find((r) => r.runKey === runKey);
    expect(listed).toMatchObject({ status: 'queued', message: expect.stringMatching(/^small cannot take this run: This run needs/) });
    expect(small.output).toMatch(/run "run" refused: This run needs/);
    const big = await worker('big');
    expect(await follower.exited, follower.output).toBe(0);
    expect(follower.output).toMatch(/Training on worker big/);
    expect(lora(out).equals(lora(await trainLocally('fit', 5)))).toBe(true);
    await Promise.all([stop(small), stop(big)]);
  }, 300_000);

  it('a worker SIGKILLed after its second checkpoint: the run finishes on another with the same losses, none duplicated', async () => {
    const first = await worker('doomed');
    const out = join(root, 'kill', 'run');
    const follower = train(out, 9, 10);
    await follower.waitFor(/checkpoint .*step-000004\.safetensors/);
    first.kill('SIGKILL');
    const second = await worker('rescuer');
    expect(await follower.exited, follower.output).toBe(0);
    expect(follower.output).toMatch(/Training on worker rescuer/);
    expect(follower.output).toMatch(/Resuming at step [46] of/);
    const local = await trainLocally('kill', 9, 10);
    const steps = losses(out).map(([s]) => s);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(losses(out)).toEqual(losses(local));
    expect(lora(out).equals(lora(local))).toBe(true);
    await stop(second);
  }, 300_000);

  it('Ctrl+C on a worker hands its run back after a checkpoint; the next worker continues it to the same result', async () => {
    const leaver = await worker('leaver');
    const out = join(root, 'handback', 'run');
    const follower = train(out, 21, 10);
    await follower.waitFor(/step 3\/10/);
    leaver.kill('SIGTERM');
    expect(await leaver.exited, leaver.output).toBe(0);
    expect(leaver.output).toMatch(/run "run": handed back to the queue at step \d+/);
    await follower.waitFor(/Worker leaver handed the run back at step \d+/);
    const taker = await worker('taker');
    expect(await follower.exited, follower.output).toBe(0);
    expect(follower.output).toMatch(/Training on worker taker/);
    const local = await trainLocally('handback', 21, 10);
    expect(losses(out)).toEqual(losses(local));
    expect(lora(out).equals(lora(local))).toBe(true);
    await stop(taker);
  }, 300_000);

  it('Redis restarted mid-run: the worker and the follower reconnect and the run completes exactly', async () => {
    const w = await worker('steady');
    const out = join(root, 'restart', 'run');
    const follower = train(out, 13, 10);
    await follower.waitFor(/checkpoint .*step-000002\.safetensors/);
    await redis.restart();
    expect(await follower.exited, follower.output).toBe(0);
    const local = await trainLocally('restart', 13, 10);
    expect(losses(out)).toEqual(losses(local));
    expect(lora(out).equals(lora(local))).toBe(true);
    await stop(w);
  }, 300_000);

  it('the follower detaches with Ctrl+C and, started again, gets everything that happened meanwhile', async () => {
    const w = await worker('patient');
    const out = join(root, 'detach', 'run');
    const follower = train(out, 17, 10);
    await follower.waitFor(/step 1\/10/);
    follower.kill('SIGINT');
    expect(await follower.exited, follower.output).toBe(0);
    expect(follower.output).toMatch(/Detached; the run keeps training on the queue/);
    mkdirSync(out, { recursive: true });
    const again = startCli(['resume', out, '--queue', redis.url]);
    processes.push(again);
    expect(await again.exited, again.output).toBe(0);
    const local = await trainLocally('detach', 17, 10);
    expect(losses(out)).toEqual(losses(local));
    expect(lora(out).equals(lora(local))).toBe(true);
    await stop(w);
  }, 300_000);
});
