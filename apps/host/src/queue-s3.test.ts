// The run queue with its files in an S3-compatible bucket: a real redis-server, a real s3rver on loopback, real
// `lora-studio worker` processes and a `train --queue` follower. A worker that keeps its files in Redis refuses the
// run (it stays queued); a worker on the bucket trains it, and the LoRA arrives with nothing of it left in Redis.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRedis, queueKeys, RunQueueClient } from '@lora-studio/core';
import { TestRedis } from '@lora-studio/core/queue/testing';
import { TEST_S3_CREDENTIALS, TestS3 } from '@lora-studio/core/queue/testing/s3';
import { writeImageFolder } from '@lora-studio/trainer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, startWorker, TEST_QUEUE_SECRET, type CliProcess } from './testing/queue-processes';

let redis: TestRedis;
let s3: TestS3;
let root: string;
let dataset: string;
const processes: CliProcess[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  s3 = await TestS3.start();
  root = mkdtempSync(join(tmpdir(), 'queue-s3-'));
  dataset = join(root, 'images');
  await writeImageFolder(dataset, 4);
});
afterAll(async () => {
  for (const p of processes) p.kill('SIGKILL');
  await redis.dispose();
  await s3.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('run queue with a bucket', () => {
  it('a Redis-only worker refuses a run whose files are in a bucket; a worker on the bucket trains it, nothing left in Redis', async () => {
    const key = { AWS_ACCESS_KEY_ID: TEST_S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_S3_CREDENTIALS.secretAccessKey };
    const bucketFlags = ['--artifacts', `s3://${s3.bucket}/run-files`, '--s3-endpoint', s3.endpoint, '--s3-path-style'];
    const plain = await startWorker(redis.url, 'plain', join(root, 'cache', 'plain'));
    processes.push(plain);
    const out = join(root, 'run');
    const follower = startCli(['train', dataset, '--base', 'default', '--type', 'style', '--trigger', 'sks', '--out', out, '--steps', '2', '--checkpoint-every', '2', '--sample-every', '0', '--prior-images', '0', '--threads', '1', '--queue', redis.url, ...bucketFlags], key);
    processes.push(follower);
    await follower.waitFor(/note: worker plain cannot take this run: its files are in the bucket "lora-test" under "run-files\/" at http:\/\/127\.0\.0\.1:\d+; this worker's are in Redis/);
    expect(plain.output).toMatch(/A worker for it is started with --artifacts s3:\/\/lora-test\/run-files --s3-endpoint http:\/\/127\.0\.0\.1:\d+ --s3-region us-east-1 --s3-path-style/);

    const onBucket = await startWorker(redis.url, 'bucket', join(root, 'cache', 'bucket'), bucketFlags, key);
    processes.push(onBucket);
    // Each worker says where it keeps files (the Workers panel shows it).
    const client = new RunQueueClient({ redisUrl: redis.url, queueName: 'lora-studio', secret: TEST_QUEUE_SECRET });
    try {
      expect(Object.fromEntries((await client.workers()).entries.map((w) => [w.name, w.files]))).toEqual({
        plain: { kind: 'redis' }, bucket: { kind: 's3', bucket: 'lora-test', prefix: 'run-files', region: 'us-east-1', endpoint: s3.endpoint, pathStyle: true },
      });
    } finally {
      await client.close();
    }
    const list = startCli(['runs', '--queue', redis.url]);
    expect(await list.exited).toBe(0);
    expect(list.output).toMatch(/^ {2}bucket .* files in the bucket "lora-test" under "run-files\/" at http:\/\/127\.0\.0\.1:\d+ {2}\(answered/m);
    expect(await follower.exited, follower.output).toBe(0);
    expect(follower.output).toMatch(/Training on worker bucket/);
    expect(existsSync(join(out, 'lora.safetensors'))).toBe(true);
    expect(existsSync(join(out, 'checkpoints', 'step-000002.safetensors'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'queue.json'), 'utf8'))).toMatchObject({ artifacts: { kind: 's3', bucket: 'lora-test', prefix: 'run-files' } });

    // The follower and the bucket's worker each checked the bucket with a test file before starting.
    const names = s3.written.map((w) => w.key).filter((k) => !/^run-files\/lora-studio-check-/.test(k));
    expect(s3.written.length - names.length).toBe(2);
    // Four images, the manifest, the checkpoint and the LoRA, each under the prefix by its sha256.
    expect(names.length).toBe(7);
    expect(names.every((k) => /^run-files\/[0-9a-f]{64}$/.test(k))).toBe(true);
    const conn = openRedis(redis.url);
    try {
      expect(await conn.keys(`${queueKeys('lora-studio').artifactPrefix}*`)).toEqual([]);
    } finally {
      conn.disconnect();
    }
    plain.kill('SIGTERM');
    onBucket.kill('SIGTERM');
    await Promise.all([plain.exited, onBucket.exited]);
  }, 300_000);
});
