// The run queue's files in an S3-compatible bucket (AWS S3, MinIO, R2, Ceph…) instead of Redis: each one an object
// `<prefix>/<sha256>`. Uploads stream from the file (large ones in parts), downloads stream into a temp file beside
// the target while hashing, and only bytes that match their name are renamed into place. The bucket has no TTL per
// object: its owner sets a lifecycle rule on the prefix (docs/run-queue.md).
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ArtifactError, checkArtifactRef, checkFileSize, refOfBytes, sha256File, type ArtifactRef, type ArtifactStore } from './artifact-store';
import { bucketPlace, type BucketLocation } from '@lora-studio/api';
import { bucketFailure } from './bucket-errors';

export interface BucketCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (AWS STS) carry one. */
  sessionToken?: string;
}

export interface S3StoreOptions {
  /** How long connecting may take, and how long a transfer may stall, before it fails (default 10 s / 60 s). */
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Tries per request, the first included (default 3; Test connection uses 1 to answer at once). */
  attempts?: number;
  /** Files from this size on go up in parts (default 16 MiB); smaller ones in one request. */
  multipartBytes?: number;
}

/**
 * 16 MiB parts keep a 4 GiB file far under S3's 10,000 parts and above its 5 MiB minimum. Files below one part are
 * sent from memory, larger ones part by part (two in flight): every request holds its bytes, so the SDK can retry
 * it, and no upload holds more than two parts in memory.
 */
const PART_BYTES = 16 * 1024 * 1024;

/** The key of object `name` under the location's prefix (a prefix may be saved with a trailing slash). */
export function objectKey(location: BucketLocation, name: string): string {
  return `${location.prefix.replace(/\/+$/, '')}/${name}`;
}

/** A short name for a file in messages. */
const short = (ref: ArtifactRef) => `${ref.sha256.slice(0, 12)}…`;

/** Counts and hashes the bytes that pass; more than `limit` fails the stream at once (a hostile or wrong object). */
class CheckedBytes extends Transform {
  readonly hash = createHash('sha256');
  size = 0;

  constructor(private readonly limit: number, private readonly tooLong: () => Error) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.limit) return done(this.tooLong());
    this.hash.update(chunk);
    done(null, chunk);
  }
}

export function s3Client(location: BucketLocation, credentials: BucketCredentials, options: S3StoreOptions = {}): S3Client {
  return new S3Client({
    region: location.region,
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    forcePathStyle: location.pathStyle,
    credentials,
    // Newer SDKs send aws-chunked bodies with CRC32 trailers unless told otherwise; many S3-compatible servers
    // refuse those. Every file is checked against its sha256 on arrival instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: options.attempts ?? 3,
    requestHandler: { connectionTimeout: options.connectTimeoutMs ?? 10_000, socketTimeout: options.idleTimeoutMs ?? 60_000 },
  });
}

export class S3ArtifactStore implements ArtifactStore {
  readonly client: S3Client;
  private readonly timeoutMs: number;

  constructor(readonly location: BucketLocation, credentials: BucketCredentials, private readonly options: S3StoreOptions = {}) {
    this.client = s3Client(location, credentials, options);
    this.timeoutMs = options.connectTimeoutMs ?? 10_000;
  }

  /** The object's key: `<prefix>/<sha256>`. */
  key(ref: ArtifactRef): string {
    return objectKey(this.location, ref.sha256);
  }

  private fail(error: unknown, doing: string): ArtifactError {
    return bucketFailure(error, this.location, doing, this.timeoutMs);
  }

  async has(ref: ArtifactRef): Promise<boolean> {
    checkArtifactRef(ref);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(ref) }));
      return head.ContentLength === ref.size;
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.name === 'NoSuchKey') return false;
      throw this.fail(error, `Looking for the file ${short(ref)}`);
    }
  }

  async put(bytes: Uint8Array, what?: string): Promise<ArtifactRef> {
    const ref = refOfBytes(bytes);
    if (await this.has(ref)) return ref;
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: this.key(ref), Body: bytes, ContentLength: ref.size }));
    } catch (error) {
      throw this.fail(error, `Uploading ${what ?? `the file ${short(ref)}`}`);
    }
    return ref;
  }

  async putFile(path: string): Promise<ArtifactRef> {
    const size = statSync(path).size;
    checkFileSize(path, size);
    if (size < (this.options.multipartBytes ?? PART_BYTES)) return this.put(readFileSync(path), path);
    const ref = sha256File(path);
    if (await this.has(ref)) return ref;
    // The bytes are hashed again as they go: a file that changed after it was named is taken back out.
    const sent = new CheckedBytes(ref.size, () => new ArtifactError(`${path} grew while it was being uploaded; it was not stored.`));
    const file = createReadStream(path);
    const body = file.pipe(sent);
    const params = { Bucket: this.location.bucket, Key: this.key(ref), Body: body, ContentLength: ref.size };
    try {
      await new Upload({ client: this.client, params, partSize: PART_BYTES, queueSize: 2, leavePartsOnError: false }).done();
    } catch (error) {
      file.destroy();
      body.destroy();
      throw this.fail(error, `Uploading ${path}`);
    }
    if (sent.size !== ref.size || sent.hash.digest('hex') !== ref.sha256) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.key(ref) })).catch(() => undefined);
      throw new ArtifactError(`${path} changed while it was being uploaded; it was not stored.`);
    }
    return ref;
  }

  /** Streams the object through the checks into `sink`; rejects (and stops reading) on any mismatch. */
  private async read(ref: ArtifactRef, sink: Writable): Promise<void> {
    checkArtifactRef(ref);
    let body: Readable;
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(ref) }));
      if (got.ContentLength !== undefined && got.ContentLength !== ref.size) {
        (got.Body as Readable | undefined)?.destroy();
        throw new ArtifactError(`The file ${short(ref)} in the bucket "${this.location.bucket}" has ${got.ContentLength} bytes, not the ${ref.size} expected; it was not used. Delete ${this.key(ref)} there so that it is uploaded again.`);
      }
      body = got.Body as Readable;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') {
        throw new ArtifactError(`The file ${short(ref)} is not in the bucket "${this.location.bucket}" under "${this.location.prefix}/" (a lifecycle rule removed it, or it was never uploaded completely).`);
      }
      throw this.fail(error, `Reading the file ${short(ref)}`);
    }
    const checked = new CheckedBytes(ref.size, () => new ArtifactError(`The file ${short(ref)} in the bucket "${this.location.bucket}" is longer than expected; it was not used.`));
    try {
      await pipeline(body, checked, sink);
    } catch (error) {
      throw this.fail(error, `Reading the file ${short(ref)}`);
    }
    const sha = checked.hash.digest('hex');
    if (checked.size !== ref.size || sha !== ref.sha256) {
      throw new ArtifactError(`The file ${short(ref)} arrived from the bucket "${this.location.bucket}" with different contents (sha256 ${sha.slice(0, 12)}…, ${checked.size} bytes); it was not used. Delete ${this.key(ref)} there so that it is uploaded again.`);
    }
  }

  async get(ref: ArtifactRef): Promise<Buffer> {
    const parts: Buffer[] = [];
    await this.read(ref, new Writable({ write(chunk: Buffer, _encoding, done) { parts.push(chunk); done(); } }));
    return Buffer.concat(parts);
  }

  async getToFile(ref: ArtifactRef, path: string): Promise<void> {
    checkArtifactRef(ref);
    mkdirSync(dirname(path), { recursive: true });
    // Unique per call: two runs in one worker may fetch the same file at the same moment.
    const temp = `${path}.part-${process.pid}-${randomUUID()}`;
    try {
      await this.read(ref, createWriteStream(temp));
      renameSync(temp, path);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
  }

  /** Whether the bucket answers to these credentials (HeadBucket); throws the reason otherwise. */
  async checkBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.location.bucket }));
    } catch (error) {
      throw this.fail(error, `Opening the bucket "${this.location.bucket}" at ${bucketPlace(this.location)}`);
    }
  }

  close(): void {
    this.client.destroy();
  }
}
