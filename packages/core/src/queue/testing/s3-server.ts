// A real S3-compatible server for tests: s3rver (the S3 protocol over HTTP, objects in files) on a free loopback
// port with its own temp folder and one bucket, talked to by the real AWS SDK. It counts the objects written to it,
// so a test can tell that a second upload sent nothing.
import type { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { BucketLocation } from '@lora-studio/api';
import type { BucketCredentials } from '../s3-artifact-store';

/** s3rver accepts only this key pair (and checks the signatures made with it). */
export const TEST_S3_CREDENTIALS: BucketCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export class TestS3 {
  /** Objects written: their key, and how (Put: one request, Post: a multipart upload completed, Copy). */
  readonly written: { key: string; how: string }[] = [];

  private constructor(private readonly server: S3rver, readonly port: number, readonly dir: string, readonly bucket: string) {
    (server as unknown as EventEmitter).on('event', (event: { Records?: { eventName?: string; s3?: { object?: { key?: string } } }[] }) => {
      for (const r of event.Records ?? []) {
        const how = /^ObjectCreated:(\w+)$/.exec(r.eventName ?? '')?.[1];
        if (how) this.written.push({ key: decodeURIComponent(r.s3?.object?.key ?? ''), how });
      }
    });
  }

  static async start(bucket = 'lora-test'): Promise<TestS3> {
    const dir = mkdtempSync(join(tmpdir(), 'lora-s3-'));
    const server = new S3rver({ address: '127.0.0.1', port: 0, directory: dir, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
    const address = await server.run();
    return new TestS3(server, address.port, dir, bucket);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The bucket as the settings and jobs name it. */
  location(prefix = 'lora-studio', bucket = this.bucket): BucketLocation {
    return { kind: 's3', bucket, prefix, region: 'us-east-1', endpoint: this.endpoint, pathStyle: true };
  }

  /** Stops the server and deletes its folder. */
  async dispose(): Promise<void> {
    await this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
