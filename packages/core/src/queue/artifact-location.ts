// Where a queue's files are kept, in one place: the configured store (with its credentials) for a studio or worker,
// the location without credentials that a job carries, whether two of them are the same place, and the store to
// open for one. A job made for a bucket is only taken by workers that keep their files in that bucket.
import { describeArtifactLocation, type ArtifactLocation, type BucketLocation } from '@lora-studio/api';
import type { Redis } from 'ioredis';
import { RedisArtifactStore, type ArtifactStore } from './artifact-store';
import type { QueueKeys } from './queue-keys';
import { S3ArtifactStore, type BucketCredentials } from './s3-artifact-store';

/** The files in Redis (the default), or in a bucket with the credentials to reach it. */
export type ArtifactStoreConfig = { kind: 'redis' } | (BucketLocation & { credentials: BucketCredentials });

export const REDIS_ARTIFACTS: ArtifactStoreConfig = { kind: 'redis' };

/** What a job says about its files: no credentials. */
export function artifactLocation(config: ArtifactStoreConfig | undefined): ArtifactLocation {
  if (!config || config.kind === 'redis') return { kind: 'redis' };
  const { credentials: _credentials, ...location } = config;
  return location;
}

const trimSlash = (s: string | undefined) => (s ?? '').replace(/\/+$/, '');

/** The same bucket, prefix and endpoint (how it is addressed and its region do not make it another place). */
export function sameArtifactLocation(a: ArtifactLocation | undefined, b: ArtifactLocation | undefined): boolean {
  const x = a ?? { kind: 'redis' as const };
  const y = b ?? { kind: 'redis' as const };
  if (x.kind === 'redis' || y.kind === 'redis') return x.kind === y.kind;
  return x.bucket === y.bucket && trimSlash(x.prefix) === trimSlash(y.prefix) && trimSlash(x.endpoint) === trimSlash(y.endpoint);
}

export { describeArtifactLocation };

/** The worker flags that keep files where `location` says, for a refusal that says how to start a worker for it. */
export function artifactFlagsText(location: ArtifactLocation | undefined): string {
  if (!location || location.kind === 'redis') return 'no --artifacts flag';
  return [
    `--artifacts s3://${location.bucket}/${trimSlash(location.prefix)}`,
    ...(location.endpoint ? [`--s3-endpoint ${location.endpoint}`] : []),
    `--s3-region ${location.region}`,
    ...(location.pathStyle ? ['--s3-path-style'] : []),
  ].join(' ');
}

export function openArtifactStore(config: ArtifactStoreConfig | undefined, redis: Redis, keys: QueueKeys): ArtifactStore {
  if (!config || config.kind === 'redis') return new RedisArtifactStore(redis, keys.artifactPrefix);
  const { credentials, ...location } = config;
  return new S3ArtifactStore(location, credentials);
}
