// Artifacts in an S3-compatible bucket: a real s3rver on loopback, the real AWS SDK over HTTP. Round trips (single
// PUT and multipart), nothing sent twice, damaged objects refused with nothing left behind, and a wrong bucket, key
// or endpoint said at once in words to act on.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactError, MAX_ARTIFACT_BYTES } from './artifact-store';
import { checkBucket } from './bucket-check';
import { S3ArtifactStore } from './s3-artifact-store';
import { TEST_S3_CREDENTIALS, TestS3 } from './testing/s3-server';

let s3: TestS3;
const stores: S3ArtifactStore[] = [];
beforeAll(async () => {
  s3 = await TestS3.start();
});
afterAll(async () => {
  for (const s of stores) s.close();
  await s3.dispose();
});

function store(prefix: string, options: ConstructorParameters<typeof S3ArtifactStore>[2] = {}, location = s3.location(prefix)): S3ArtifactStore {
  const s = new S3ArtifactStore(location, TEST_S3_CREDENTIALS, options);
  stores.push(s);
  return s;
}

const dir = () => mkdtempSync(join(tmpdir(), 's3-artifacts-'));

describe('S3 artifact store', () => {
  it('stores a file as <prefix>/<sha256>, returns exactly its bytes, and sends nothing the second time', async () => {
    const a = store('runs/a');
    const d = dir();
    const bytes = randomBytes(300_000);
    writeFileSync(join(d, 'in.bin'), bytes);
    const ref = await a.putFile(join(d, 'in.bin'));
    expect(ref.size).toBe(bytes.length);
    expect(s3.written).toContainEqual({ key: `runs/a/${ref.sha256}`, how: 'Put' });
    const head = await a.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `runs/a/${ref.sha256}` }));
    expect(head.ContentLength).toBe(bytes.length);
    expect(await a.has(ref)).toBe(true);
    expect(await a.has({ sha256: 'd'.repeat(64), size: 3 })).toBe(false);

    const writes = s3.written.length;
    expect(await a.putFile(join(d, 'in.bin'))).toEqual(ref);
    expect(await a.put(bytes)).toEqual(ref);
    expect(s3.written.length).toBe(writes);

    await a.getToFile(ref, join(d, 'out', 'out.bin'));
    expect(readFileSync(join(d, 'out', 'out.bin')).equals(bytes)).toBe(true);
    expect((await a.get(ref)).equals(bytes)).toBe(true);
    expect(readdirSync(join(d, 'out'))).toEqual(['out.bin']);

    const empty = await a.put(new Uint8Array(0));
    expect((await a.get(empty)).length).toBe(0);
  });

  it('sends a large file in parts, and it comes back whole', async () => {
    const b = store('runs/b', { multipartBytes: 1 });
    const d = dir();
    const bytes = randomBytes(16 * 1024 * 1024 + 12_345);
    writeFileSync(join(d, 'big.bin'), bytes);
    const ref = await b.putFile(join(d, 'big.bin'));
    expect(s3.written).toContainEqual({ key: `runs/b/${ref.sha256}`, how: 'Post' });
    await b.getToFile(ref, join(d, 'big-out.bin'));
    expect(readFileSync(join(d, 'big-out.bin')).equals(bytes)).toBe(true);
  });

  it('refuses an object whose bytes do not match its name, and leaves no file behind', async () => {
    const c = store('runs/c');
    const ref = await c.put(Buffer.from('the real bytes'));
    // Same length, other bytes; then a longer object under the same name.
    await c.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: c.key(ref), Body: Buffer.from('other bytes!!!') }));
    const d = dir();
    await expect(c.getToFile(ref, join(d, 'x.bin'))).rejects.toThrow(/arrived from the bucket "lora-test" with different contents .* Delete runs\/c\/[0-9a-f]{64} there/);
    await expect(c.get(ref)).rejects.toBeInstanceOf(ArtifactError);
    await c.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: c.key(ref), Body: Buffer.from('other bytes, and more of them') }));
    await expect(c.getToFile(ref, join(d, 'x.bin'))).rejects.toThrow(/has 29 bytes, not the 14 expected/);
    expect(readdirSync(d)).toEqual([]);
    await expect(c.get({ sha256: 'c'.repeat(64), size: 3 })).rejects.toThrow(/is not in the bucket "lora-test" under "runs\/c\/"/);
  });

  it('refuses hostile references before asking the bucket', async () => {
    const e = store('runs/e');
    const d = dir();
    for (const ref of [{ sha256: '../../etc/passwd', size: 1 }, { sha256: 'A'.repeat(64), size: 1 }, { sha256: 'a'.repeat(64), size: MAX_ARTIFACT_BYTES + 1 }, { sha256: 'a'.repeat(64), size: -1 }]) {
      await expect(e.getToFile(ref, join(d, 'x.bin'))).rejects.toThrow(/reference from the queue is not usable/);
      await expect(e.has(ref)).rejects.toThrow(ArtifactError);
    }
    expect(readdirSync(d)).toEqual([]);
  });

  it('says at once when the bucket does not exist, the key is unknown, or nothing answers', async () => {
    const started = Date.now();
    const missing = store('x', {}, s3.location('x', 'no-such-bucket'));
    await expect(missing.put(Buffer.from('hello'))).rejects.toThrow(/^Uploading the file [0-9a-f]{12}… failed: the bucket "no-such-bucket" does not exist at http:\/\/127\.0\.0\.1:\d+\. Create it there/);
    expect(await checkBucket(s3.location('x', 'no-such-bucket'), TEST_S3_CREDENTIALS)).toEqual({ ok: false, message: expect.stringMatching(/the bucket "no-such-bucket" does not exist/) });

    // s3rver knows one key id (it does not check SigV4 signatures, so a wrong secret key goes unnoticed there).
    const wrongKey = await checkBucket(s3.location('x'), { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'S3RVER' });
    expect(wrongKey).toEqual({ ok: false, message: expect.stringMatching(/^Opening the bucket "lora-test" at http:\/\/127\.0\.0\.1:\d+ failed: http:\/\/127\.0\.0\.1:\d+ refused access to the bucket "lora-test"\. Check the access key/) });
    await expect(store('x', {}, s3.location('x')).has({ sha256: 'f'.repeat(64), size: 1 })).resolves.toBe(false);
    const unknown = new S3ArtifactStore(s3.location('x'), { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'S3RVER' });
    stores.push(unknown);
    await expect(unknown.put(Buffer.from('x'))).rejects.toThrow(/does not know the access key id|refused access/);

    const closed = await closedPort();
    const nobody = { ...s3.location('x'), endpoint: `http://127.0.0.1:${closed}` };
    await expect(store('x', {}, nobody).getToFile({ sha256: 'b'.repeat(64), size: 2 }, join(dir(), 'y.bin'))).rejects.toThrow(new RegExp(`failed: nothing answers at http://127\\.0\\.0\\.1:${closed}\\. Check the endpoint URL`));
    expect((await checkBucket(nobody, TEST_S3_CREDENTIALS)).message).toMatch(/nothing answers at/);
    expect(Date.now() - started).toBeLessThan(10_000);

    const ok = await checkBucket(s3.location('checks'), TEST_S3_CREDENTIALS);
    expect(ok).toEqual({ ok: true, message: expect.stringMatching(/^Files go to the bucket "lora-test" at http:\/\/127\.0\.0\.1:\d+, under "checks\/": writing, reading and deleting there works\.$/) });
  });

  it('gives up on a server that accepts the connection but never answers', async () => {
    const silent = await silentServer();
    try {
      const location = { ...s3.location('x'), endpoint: `http://127.0.0.1:${(silent.address() as { port: number }).port}` };
      const started = Date.now();
      await expect(store('x', { attempts: 1, idleTimeoutMs: 1000 }, location).get({ sha256: 'e'.repeat(64), size: 1 })).rejects.toThrow(/did not answer within/);
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      silent.close();
    }
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = await silentServer();
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** Accepts connections and never says anything. */
async function silentServer(): Promise<Server> {
  const server = createServer(() => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}
