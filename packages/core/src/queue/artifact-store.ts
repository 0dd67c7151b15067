// Files that travel between the studio and workers (dataset images, checkpoints, samples, the final LoRA), named by
// the sha256 of their bytes: a worker that already holds a file skips it, and every arrival is checked against its
// name. One small interface with two places to keep them: Redis (here) and an S3-compatible bucket (s3-artifact-store.ts).
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, openSync, closeSync, readSync, renameSync, rmSync, writeSync, fstatSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';

export interface ArtifactRef {
  sha256: string;
  size: number;
}

export function isArtifactRef(value: unknown): value is ArtifactRef {
  const v = value as ArtifactRef | null;
  return !!v && typeof v === 'object' && typeof v.sha256 === 'string' && /^[0-9a-f]{64}$/.test(v.sha256)
    && Number.isSafeInteger(v.size) && v.size >= 0 && v.size <= MAX_ARTIFACT_BYTES;
}

export class ArtifactError extends Error {
  override name = 'ArtifactError';
}

export interface ArtifactStore {
  /** Stores a file's bytes (nothing is sent when they are already there) and returns their reference. */
  putFile(path: string): Promise<ArtifactRef>;
  put(bytes: Uint8Array): Promise<ArtifactRef>;
  has(ref: ArtifactRef): Promise<boolean>;
  /** The bytes, after checking their size and sha256 against `ref`. */
  get(ref: ArtifactRef): Promise<Buffer>;
  /** Writes the checked bytes to `path` (atomically: a temp file renamed into place). */
  getToFile(ref: ArtifactRef, path: string): Promise<void>;
  /** Lets go of connections of its own (a bucket's HTTP client); the Redis store shares its owner's. */
  close?(): void;
}

/** Chunks are bounded so that no single Redis value (or reply) grows with the file. */
export const ARTIFACT_CHUNK_BYTES = 1024 * 1024;
/** Larger files are refused: a LoRA or checkpoint is tens to hundreds of MB; images far less. */
export const MAX_ARTIFACT_BYTES = 4 * 1024 ** 3;
/** Artifacts expire unless read or written again: a week by default. */
export const DEFAULT_ARTIFACT_TTL_S = 7 * 24 * 3600;

/** A file's reference, read in bounded chunks. */
/** The reference of bytes to store; refused over the limit. Every store names what it keeps this way. */
export function refOfBytes(bytes: Uint8Array): ArtifactRef {
  const ref = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  if (ref.size > MAX_ARTIFACT_BYTES) throw new ArtifactError(`A file of ${ref.size} bytes is over the run queue's limit of ${MAX_ARTIFACT_BYTES} bytes.`);
  return ref;
}

/** A file to store must be within the limit. */
export function checkFileSize(path: string, size: number): void {
  if (size > MAX_ARTIFACT_BYTES) throw new ArtifactError(`${path} is ${size} bytes, over the run queue's limit of ${MAX_ARTIFACT_BYTES} bytes.`);
}

/** A reference read from the queue is checked before any store fetches by it. */
export function checkArtifactRef(ref: ArtifactRef): void {
  if (!isArtifactRef(ref)) throw new ArtifactError('An artifact reference from the queue is not usable (not a sha256 and a size within the limit); it was not fetched.');
}

export function sha256File(path: string): ArtifactRef {
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(ARTIFACT_CHUNK_BYTES);
    let size = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, size);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      size += n;
    }
    return { sha256: hash.digest('hex'), size };
  } finally {
    closeSync(fd);
  }
}

export class RedisArtifactStore implements ArtifactStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = DEFAULT_ARTIFACT_TTL_S,
  ) {}

  private meta(sha: string) { return `${this.prefix}${sha}:meta`; }
  private chunk(sha: string, i: number) { return `${this.prefix}${sha}:${i}`; }
  private chunks(size: number) { return Math.max(1, Math.ceil(size / ARTIFACT_CHUNK_BYTES)); }

  async has(ref: ArtifactRef): Promise<boolean> {
    return (await this.redis.get(this.meta(ref.sha256))) === String(ref.size);
  }

  /** Keeps an artifact someone still uses from expiring. */
  private async touch(ref: ArtifactRef): Promise<void> {
    const p = this.redis.pipeline();
    p.expire(this.meta(ref.sha256), this.ttlSeconds);
    for (let i = 0; i < this.chunks(ref.size); i++) p.expire(this.chunk(ref.sha256, i), this.ttlSeconds);
    await p.exec();
  }

  async put(bytes: Uint8Array): Promise<ArtifactRef> {
    const ref = refOfBytes(bytes);
    if (await this.has(ref)) {
      await this.touch(ref);
      return ref;
    }
    for (let i = 0; i < this.chunks(ref.size); i++) {
      const part = Buffer.from(bytes.buffer, bytes.byteOffset + i * ARTIFACT_CHUNK_BYTES, Math.min(ARTIFACT_CHUNK_BYTES, ref.size - i * ARTIFACT_CHUNK_BYTES));
      await this.redis.set(this.chunk(ref.sha256, i), part, 'EX', this.ttlSeconds);
    }
    // The size goes in last: an artifact is readable only once every chunk is there.
    await this.redis.set(this.meta(ref.sha256), String(ref.size), 'EX', this.ttlSeconds);
    return ref;
  }

  async putFile(path: string): Promise<ArtifactRef> {
    checkFileSize(path, statSync(path).size);
    const ref = sha256File(path);
    if (await this.has(ref)) {
      await this.touch(ref);
      return ref;
    }
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(ARTIFACT_CHUNK_BYTES);
      for (let i = 0; i < this.chunks(ref.size); i++) {
        const n = readSync(fd, buffer, 0, buffer.length, i * ARTIFACT_CHUNK_BYTES);
        await this.redis.set(this.chunk(ref.sha256, i), Buffer.from(buffer.subarray(0, n)), 'EX', this.ttlSeconds);
      }
    } finally {
      closeSync(fd);
    }
    // The file changed while it was sent: what arrived would not match its name.
    const again = sha256File(path);
    if (again.sha256 !== ref.sha256) throw new ArtifactError(`${path} changed while it was being uploaded; it was not stored.`);
    await this.redis.set(this.meta(ref.sha256), String(ref.size), 'EX', this.ttlSeconds);
    return ref;
  }

  /** Calls `onChunk` with each chunk in order, then checks the whole against `ref`. */
  private async read(ref: ArtifactRef, onChunk: (bytes: Buffer) => void): Promise<void> {
    checkArtifactRef(ref);
    const stored = await this.redis.get(this.meta(ref.sha256));
    if (stored === null) throw new ArtifactError(`The file ${ref.sha256.slice(0, 12)}… is no longer in the run queue (it expired or was never uploaded completely).`);
    if (stored !== String(ref.size)) throw new ArtifactError(`The file ${ref.sha256.slice(0, 12)}… in the run queue has ${stored} bytes, not the ${ref.size} expected.`);
    const hash = createHash('sha256');
    let size = 0;
    for (let i = 0; i < this.chunks(ref.size); i++) {
      const part = await this.redis.getBuffer(this.chunk(ref.sha256, i));
      if (part === null) throw new ArtifactError(`Part ${i} of the file ${ref.sha256.slice(0, 12)}… is missing from the run queue (it expired).`);
      if (part.length > ARTIFACT_CHUNK_BYTES || size + part.length > ref.size) throw new ArtifactError(`The file ${ref.sha256.slice(0, 12)}… in the run queue is longer than expected.`);
      hash.update(part);
      size += part.length;
      onChunk(part);
    }
    const sha = hash.digest('hex');
    if (size !== ref.size || sha !== ref.sha256) {
      throw new ArtifactError(`The file ${ref.sha256.slice(0, 12)}… arrived with different contents (sha256 ${sha.slice(0, 12)}…, ${size} bytes); it was not used.`);
    }
    await this.touch(ref);
  }

  async get(ref: ArtifactRef): Promise<Buffer> {
    const parts: Buffer[] = [];
    await this.read(ref, (b) => parts.push(b));
    return Buffer.concat(parts);
  }

  async getToFile(ref: ArtifactRef, path: string): Promise<void> {
    mkdirSync(dirname(path), { recursive: true });
    // Unique per call: two runs in one worker may fetch the same file at the same moment.
    const temp = `${path}.part-${process.pid}-${randomUUID()}`;
    const fd = openSync(temp, 'w');
    try {
      await this.read(ref, (b) => { writeSync(fd, b); });
      if (fstatSync(fd).size !== ref.size) throw new ArtifactError(`Writing ${path} did not complete.`);
      closeSync(fd);
      renameSync(temp, path);
    } catch (error) {
      try { closeSync(fd); } catch { /* already closed */ }
      rmSync(temp, { force: true });
      throw error;
    }
  }
}
