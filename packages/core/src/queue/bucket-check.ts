// Settings → Compute's "Test connection" (and the worker's start) for a bucket: it answers, and these credentials may
// write, read and delete under the prefix — checked with one small object, put, read back and deleted, without
// retries, so a wrong endpoint or key is said at once.
import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { bucketPlace, type BucketLocation } from '@lora-studio/api';
import { bucketFailureMessage } from './bucket-errors';
import { objectKey, S3ArtifactStore, type BucketCredentials } from './s3-artifact-store';

export async function checkBucket(location: BucketLocation, credentials: BucketCredentials, timeoutMs = 5000): Promise<{ ok: boolean; message: string }> {
  const store = new S3ArtifactStore(location, credentials, { attempts: 1, connectTimeoutMs: timeoutMs, idleTimeoutMs: timeoutMs });
  const where = `the bucket "${location.bucket}" at ${bucketPlace(location)}`;
  const key = objectKey(location, `lora-studio-check-${randomUUID()}`);
  const probe = `lora-studio bucket check ${new Date().toISOString()}`;
  let step = `Opening ${where}`;
  try {
    await store.checkBucket();
    step = `Writing a test file under "${location.prefix}/"`;
    await store.client.send(new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: probe, ContentLength: Buffer.byteLength(probe) }));
    step = 'Reading the test file back';
    const got = await store.client.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }));
    const text = await got.Body?.transformToString();
    if (text !== probe) return { ok: false, message: `${where} gave back other bytes than were written to it; it cannot keep the run queue's files.` };
    step = 'Deleting the test file';
    await store.client.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: key }));
    return { ok: true, message: `Files go to ${where}, under "${location.prefix}/": writing, reading and deleting there works.` };
  } catch (error) {
    return { ok: false, message: error instanceof Error && error.name === 'ArtifactError' ? error.message : bucketFailureMessage(error, location, step, timeoutMs) };
  } finally {
    store.close();
  }
}
