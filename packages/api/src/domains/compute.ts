import { z } from 'zod';

/**
 * Where runs train. 'this-machine' (the default, no Redis needed) or 'queue': a run queue on Redis that
 * `lora-studio worker` machines take runs from. Kept with the app settings, never in a project.
 */
export const computeTargets = ['this-machine', 'queue'] as const;
export type ComputeTarget = (typeof computeTargets)[number];

/** A worker label (e.g. gpu-24gb): letters, digits, ".", "_" and "-". */
export const workerLabelSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, 'A label takes letters, digits, ".", "_" and "-" (at most 40).');
export const queueNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'A queue name takes letters, digits, ".", "_" and "-" (at most 64).');
export const redisUrlSchema = z.string().trim().max(2000).regex(/^rediss?:\/\/\S+$/, 'Use redis://HOST:PORT or rediss://:PASSWORD@HOST:PORT.');
export const DEFAULT_QUEUE_NAME = 'lora-studio';

/** Bucket names as S3, MinIO, R2 and Ceph all accept them (path-style requests carry any of these). */
export const bucketNameSchema = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$/, 'A bucket name takes 3–63 letters, digits, ".", "_" and "-".');
/** Folders inside the bucket: plain names joined by "/", so a lifecycle rule can match the prefix. */
export const bucketPrefixSchema = z.string().trim().max(200)
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, 'A prefix takes letters, digits, ".", "_" and "-" in folders joined by "/", e.g. lora-studio/artifacts.');
export const bucketRegionSchema = z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'A region is like us-east-1 (R2 takes "auto").');
export const bucketEndpointSchema = z.string().trim().max(300).regex(/^https?:\/\/[A-Za-z0-9.:[\]-]+\/?$/, 'The endpoint is a URL like https://s3.example.com or http://minio.local:9000, without a path.');
export const DEFAULT_BUCKET_PREFIX = 'lora-studio';
export const DEFAULT_BUCKET_REGION = 'us-east-1';

/**
 * Where the run queue keeps the files a run sends (images, checkpoints, samples, the LoRA): in Redis (the
 * default, in bounded chunks that expire), or in an S3-compatible bucket. No credentials here: a job carries this.
 */
export const artifactLocationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('redis') }).strict(),
  z.object({
    kind: z.literal('s3'),
    bucket: bucketNameSchema,
    prefix: bucketPrefixSchema.default(DEFAULT_BUCKET_PREFIX),
    region: bucketRegionSchema.default(DEFAULT_BUCKET_REGION),
    /** Absent: AWS S3 itself. MinIO, R2, Ceph and others give their URL. */
    endpoint: bucketEndpointSchema.optional(),
    /** bucket in the path (https://host/bucket/key) instead of the host name: MinIO and Ceph usually need it. */
    pathStyle: z.boolean().default(false),
  }).strict(),
]);
export type ArtifactLocation = z.infer<typeof artifactLocationSchema>;
export type BucketLocation = Extract<ArtifactLocation, { kind: 's3' }>;

/** Where a bucket lives, for messages: its endpoint, or AWS S3 and its region. */
export function bucketPlace(location: BucketLocation): string {
  return location.endpoint ? location.endpoint.replace(/\/+$/, '') : `AWS S3 (${location.region})`;
}

/** For messages and the Workers panel: 'Redis (the queue itself)' or 'the bucket "b" under "p/" at E'. */
export function describeArtifactLocation(location: ArtifactLocation | undefined): string {
  if (!location || location.kind === 'redis') return 'Redis (the queue itself)';
  return `the bucket "${location.bucket}" under "${location.prefix.replace(/\/+$/, '')}/" at ${bucketPlace(location)}`;
}

const accessKeyIdSchema = z.string().trim().min(1, 'Give the access key id.').max(256).regex(/^\S+$/, 'An access key id has no spaces.');
const secretAccessKeySchema = z.string().min(1).max(512);

/** Settings → Compute's artifact store: a bucket needs its key; the secret key may be left out to keep the stored one. */
export const artifactStoreSettingsSchema = z.discriminatedUnion('kind', [
  artifactLocationSchema.options[0],
  artifactLocationSchema.options[1].extend({ accessKeyId: accessKeyIdSchema, secretAccessKey: secretAccessKeySchema.optional() }).strict(),
]);
export type ArtifactStoreSettingsInput = z.infer<typeof artifactStoreSettingsSchema>;

/** The artifact store as shown: the secret access key never comes back. */
export type ArtifactStoreSettings = { kind: 'redis' } | (BucketLocation & { accessKeyId: string; secretAccessKeySet: boolean });

/** Shared with every worker ("openssl rand -hex 32"); jobs, control messages, events and what is listed are signed with it. */
export const queueSecretSchema = z.string().min(16, 'The secret needs at least 16 characters.').max(512);

/** What Settings → Compute saves. The secret may be left out to keep the one already stored. */
export const computeSettingsSchema = z.discriminatedUnion('target', [
  z.object({ target: z.literal('this-machine') }).strict(),
  z.object({
    target: z.literal('queue'),
    redisUrl: redisUrlSchema,
    queueName: queueNameSchema.default(DEFAULT_QUEUE_NAME),
    secret: queueSecretSchema.optional(),
    /** Where the queue's files travel; Redis when absent. */
    artifacts: artifactStoreSettingsSchema.default({ kind: 'redis' }),
  }).strict(),
]);
export type ComputeSettingsInput = z.infer<typeof computeSettingsSchema>;

/** The settings as shown: the password in the URL and the secret are never sent back. */
export type ComputeSettings =
  /** savedQueue: the queue saved before switching back (its secret kept), shown again when the queue is picked. */
  | { target: 'this-machine'; savedQueue: SavedQueueSettings | null }
  | ({ target: 'queue' } & SavedQueueSettings);

/** A saved queue as shown: the URL with its password as ***, and whether the secrets are stored (never them). */
export interface SavedQueueSettings {
  redisUrl: string;
  queueName: string;
  secretSet: boolean;
  artifacts: ArtifactStoreSettings;
}

/** Where a run trains, for the run list. */
export type RunPlacement =
  | { kind: 'this-machine' }
  /** position: its place in the queue's waiting line (1 = next) while queued; worker: who trains it (or last did). */
  | { kind: 'queue'; position: number | null; worker: string | null; labels: string[] };

/** How many labels a run may ask its worker to have. */
export const MAX_RUN_LABELS = 8;

/** "Run on" in the Train form: this machine, or the queue (any worker, or only workers with these labels). */
export const runOnSchema = z.discriminatedUnion('target', [
  z.object({ target: z.literal('this-machine') }).strict(),
  z.object({ target: z.literal('queue'), labels: z.array(workerLabelSchema).max(MAX_RUN_LABELS).default([]) }).strict(),
]);
export type RunOn = z.infer<typeof runOnSchema>;

/** A worker on the queue, as the Workers panel lists it. */
export interface QueueWorkerSummary {
  name: string;
  host: string;
  labels: string[];
  version: string;
  device: string;
  concurrency: number;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
  /** What it trains now. */
  runs: { name: string; step: number; status: string }[];
  /** When it last answered (it answers every 2 s; gone after 10 s of silence). */
  heartbeatAt: string;
  /** Where it keeps the queue's files (it takes only runs whose files are there); absent from older workers. */
  files?: ArtifactLocation;
}

/** The Workers panel's list: the workers whose heartbeat verifies, and how many heartbeats did not. */
export interface QueueWorkersView {
  workers: QueueWorkerSummary[];
  /** Heartbeats on the queue not signed with this studio's secret: not shown, said once (notSignedNote). */
  notSigned: number;
}

/**
 * Said once wherever a queue's workers or runs are listed and some of its entries do not verify with the secret
 * (they are left out of the list, never shown as workers or runs).
 */
export function notSignedNote(count: number): string {
  return `${count} ${count === 1 ? 'entry on this queue is' : 'entries on this queue are'} not signed with your secret — a worker or studio with another secret, or an older version.`;
}

/** What "Test connection" found: whether Redis answered, and one sentence that says what it found or what to do. */
export interface ComputeTestResult {
  ok: boolean;
  message: string;
  /** The workers that answer on that queue now (names). */
  workers: string[];
  /** With a bucket: whether it could be written, read and cleaned up there, and what is wrong if not. */
  bucket?: { ok: boolean; message: string };
}

export const computeArgs = {
  'compute-get': z.object({}).strict(),
  'compute-set': computeSettingsSchema,
  /**
   * Tries a Redis URL (the password shown as *** means the stored one) and, when given, a bucket (without its
   * secret key: the stored one) without saving anything.
   */
  'compute-test': z.object({
    redisUrl: redisUrlSchema,
    queueName: queueNameSchema.default(DEFAULT_QUEUE_NAME),
    /** The secret typed in the form, else the stored one: the workers named are those whose heartbeat verifies with it. */
    secret: queueSecretSchema.optional(),
    artifacts: artifactStoreSettingsSchema.default({ kind: 'redis' }),
  }).strict(),
  'compute-workers': z.object({}).strict(),
};

export type ComputeHandlers = {
  'compute-get': (args: z.infer<(typeof computeArgs)['compute-get']>) => Promise<ComputeSettings>;
  /** Saves the setting; with a queue it first checks that Redis answers. Runs already going keep where they are. */
  'compute-set': (args: z.infer<(typeof computeArgs)['compute-set']>) => Promise<ComputeSettings>;
  /** The queue's workers that answered lately (heartbeats that verify); none on 'this-machine'. */
  'compute-workers': (args: z.infer<(typeof computeArgs)['compute-workers']>) => Promise<QueueWorkersView>;
  /** Settings → Compute's "Test connection": never fails for an unreachable Redis, it says why in the result. */
  'compute-test': (args: z.infer<(typeof computeArgs)['compute-test']>) => Promise<ComputeTestResult>;
};
