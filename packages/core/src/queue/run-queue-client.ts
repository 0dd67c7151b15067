// The studio's and the CLI's side of the run queue: submit a run (its dataset uploaded by content), re-queue one,
// steer it (pause, resume, stop, sample-now, save-now), list runs and workers, and follow a run's events into a
// local run folder, downloading each checkpoint, sample and the final LoRA as it is announced.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_QUEUE_NAME, type TrainingOverrides } from '@lora-studio/api';
import type { TrainingEvent } from '@lora-studio/trainer';
import { ArtifactError, type ArtifactStore } from './artifact-store';
import {
  artifactLocation, describeArtifactLocation, openArtifactStore, REDIS_ARTIFACTS, sameArtifactLocation, type ArtifactStoreConfig,
} from './artifact-location';
import { PathOutsideError } from '@lora-studio/store';
import { uploadDataset } from './dataset-transfer';
import { jobPathIn, UntrustedPathError } from './job-paths';
import { appendRunEvent, openRunEvent } from './event-stream';
import type { QueueEvent, QueueOnlyEvent, QueueRunInfo } from './queue-events';
import { queueKeys, type QueueKeys } from './queue-keys';
import { openRedis } from './redis-connection';
import { sendRunControl, type RunControl } from './run-control';
import { expireRun, keepRun, readRunInfo, trustedRunInfo, writeRunInfo } from './run-info';
import { checkModelId, RUN_JOB_VERSION, signRunJob, type RunJob } from './run-job';
import { openHeartbeat, type WorkerInfo } from './worker-heartbeat';

export interface QueueConnection {
  /** redis:// or rediss:// (with the password in the URL when Redis needs one). */
  redisUrl: string;
  /** Studios and workers meet on a queue name; each has its own jobs, runs and artifacts. */
  queueName: string;
  /** Shared by the studio and its workers: every job and control message is signed with it. */
  secret: string;
  /** Where runs sent from here keep their files; Redis when absent. */
  artifacts?: ArtifactStoreConfig;
}

export { DEFAULT_QUEUE_NAME };

export interface SubmitRequest {
  /** A project folder or a folder of captioned images. */
  dataset: string;
  name: string;
  /** A model id: 'default' or a library name the workers know. */
  base: string;
  type?: string;
  trigger?: string;
  overrides: TrainingOverrides;
  labels: string[];
  threads?: number;
}

/** A queue run with where it is: its place in the waiting line (1 = next) while queued. */
export type QueueRunListing = QueueRunInfo & { position: number | null };

/**
 * A listing of the queue's runs or workers: the entries that verify with this secret, and how many did not (left out;
 * said once with notSignedNote).
 */
export interface Verified<T> {
  entries: T[];
  notSigned: number;
}

/** A trainer event from the queue, its paths made absolute in the local run folder (files already there). */
export type FollowedEvent = TrainingEvent | QueueOnlyEvent;

/** How long a stop keeps looking for a queued run a worker is refusing right now (refusing takes milliseconds). */
const STOP_TRIES = 50;
const STOP_RETRY_MS = 100;

export class RunQueueClient {
  readonly keys: QueueKeys;
  readonly redis: Redis;
  /** Where runs submitted from here keep their files. */
  readonly artifacts: ArtifactStore;
  /** Runs that keep their files in Redis (submitted before a bucket was set up) are still followed. */
  private readonly redisArtifacts: ArtifactStore;
  private readonly queue: Queue;
  private readonly blocking: Redis[] = [];

  constructor(private readonly connection: QueueConnection) {
    this.keys = queueKeys(connection.queueName);
    this.redis = openRedis(connection.redisUrl);
    this.redisArtifacts = openArtifactStore(REDIS_ARTIFACTS, this.redis, this.keys);
    this.artifacts = connection.artifacts?.kind === 's3' ? openArtifactStore(connection.artifacts, this.redis, this.keys) : this.redisArtifacts;
    this.queue = new Queue(connection.queueName, {
      connection: { url: connection.redisUrl, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(500 * times, 2000) },
      prefix: this.keys.bullPrefix,
    });
  }

  /** Uploads the dataset, signs the job and queues it; returns the run's key. */
  async submit(request: SubmitRequest): Promise<{ runKey: string; job: RunJob; images: number }> {
    const base = checkModelId(request.base);
    const dataset = await uploadDataset(request.dataset, this.artifacts);
    const job: RunJob = {
      version: RUN_JOB_VERSION, runKey: randomUUID(), name: request.name, base,
      ...(request.type ? { type: request.type } : {}), ...(request.trigger ? { trigger: request.trigger } : {}),
      overrides: request.overrides, dataset: dataset.ref, labels: request.labels,
      ...(request.threads !== undefined ? { threads: request.threads } : {}),
      ...(this.connection.artifacts?.kind === 's3' ? { artifacts: artifactLocation(this.connection.artifacts) } : {}),
      submittedAt: new Date().toISOString(),
    };
    await this.redis.hset(this.keys.runState(job.runKey), 'job', JSON.stringify(job));
    await this.redis.zadd(this.keys.runs, String(Date.now()), job.runKey);
    await writeRunInfo(this.redis, this.keys, this.connection, job.runKey, { name: job.name, status: 'queued', worker: '', step: 0, totalSteps: request.overrides.steps ?? 0, labels: job.labels, submittedAt: job.submittedAt, message: '' });
    await this.publish(job.runKey, { type: 'submitted', name: job.name, labels: job.labels });
    await this.add(job, job.runKey);
    return { runKey: job.runKey, job, images: dataset.images };
  }

  private async add(job: RunJob, jobId: string): Promise<void> {
    await this.queue.add('run', signRunJob(job, this.connection.secret, this.connection.queueName), {
      jobId,
      // A crashed training process is tried again (from its last checkpoint); a bad dataset fails at once.
      attempts: 5,
      backoff: { type: 'fixed', delay: 1000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  private async publish(runKey: string, event: QueueEvent): Promise<void> {
    await appendRunEvent(this.redis, this.keys, this.connection, runKey, event);
  }

  /** The job a run was submitted with (to re-queue it). */
  async job(runKey: string): Promise<RunJob | undefined> {
    const raw = await this.redis.hget(this.keys.runState(runKey), 'job');
    return raw ? (JSON.parse(raw) as RunJob) : undefined;
  }

  /** Whether a job of this run is waiting or training now. */
  async isPending(runKey: string): Promise<boolean> {
    const jobs = await this.queue.getJobs(['wait', 'prioritized', 'delayed', 'active']);
    return jobs.some((j) => (j.data as { job?: RunJob })?.job?.runKey === runKey);
  }

  /** A stopped, failed or interrupted run goes back on the queue; it continues from its last uploaded checkpoint. */
  async requeue(runKey: string): Promise<void> {
    const job = await this.job(runKey);
    if (!job) throw new Error(`The queue has no run ${runKey} (it may have expired). Start a new run.`);
    const info = await trustedRunInfo(this.redis, this.keys, this.connection, runKey);
    if (info?.status === 'finished') throw new Error(`Run "${job.name}" has finished. Start a new run to train further.`);
    if (await this.isPending(runKey)) return;
    await keepRun(this.redis, this.keys, runKey);
    await writeRunInfo(this.redis, this.keys, this.connection, runKey, { status: 'queued', worker: '', message: '' });
    await this.publish(runKey, { type: 'submitted', name: job.name, labels: job.labels });
    await this.add(job, `${runKey}-${Date.now()}`);
  }

  async control(runKey: string, control: RunControl): Promise<void> {
    if (control.type === 'stop' && (await this.stopWaiting(runKey))) return;
    await sendRunControl(this.redis, this.keys, this.connection.secret, this.connection.queueName, runKey, control);
  }

  /**
   * A run no worker trains leaves the queue at once. A waiting run is briefly active while a worker looks at it and
   * refuses it (a label it lacks, a model it cannot fit) before it waits again: a stop then would go to a control
   * list nobody reads, and the run would stay queued. So while the run is still "queued", look again shortly.
   */
  private async stopWaiting(runKey: string): Promise<boolean> {
    for (let attempt = 0; attempt < STOP_TRIES; attempt++) {
      for (const j of await this.queue.getJobs(['wait', 'prioritized', 'delayed'])) {
        if ((j.data as { job?: RunJob })?.job?.runKey !== runKey) continue;
        try {
          await j.remove();
        } catch {
          break; // A worker took it meanwhile: look again.
        }
        await writeRunInfo(this.redis, this.keys, this.connection, runKey, { status: 'stopped', message: 'Stopped before it started.' });
        await this.publish(runKey, { type: 'exit', worker: '', reason: 'stopped', step: 0, message: 'Stopped before it started.' });
        await expireRun(this.redis, this.keys, runKey);
        return true;
      }
      if ((await trustedRunInfo(this.redis, this.keys, this.connection, runKey))?.status !== 'queued') return false;
      await new Promise((r) => setTimeout(r, STOP_RETRY_MS));
    }
    return false;
  }

  /** The queue's runs whose info verifies, oldest first. */
  async runs(): Promise<Verified<QueueRunListing>> {
    const keys = await this.redis.zrange(this.keys.runs, '0', '-1');
    const waiting = (await this.queue.getJobs(['wait', 'prioritized', 'delayed']))
      .sort((a, b) => a.timestamp - b.timestamp)
      .map((j) => (j.data as { job?: RunJob })?.job?.runKey);
    const entries: QueueRunListing[] = [];
    let notSigned = 0;
    for (const runKey of keys) {
      const opened = await readRunInfo(this.redis, this.keys, this.connection, runKey);
      if (opened.kind === 'absent') {
        // Its history expired: it leaves the list too.
        await this.redis.zrem(this.keys.runs, runKey);
        continue;
      }
      if (opened.kind === 'not-signed') {
        notSigned++;
        continue;
      }
      const at = waiting.indexOf(runKey);
      entries.push({ ...opened.info, position: opened.info.status === 'queued' && at >= 0 ? at + 1 : null });
    }
    return { entries, notSigned };
  }

  async run(runKey: string): Promise<QueueRunListing | undefined> {
    return (await this.runs()).entries.find((r) => r.runKey === runKey);
  }

  /** Workers that answered within the last few seconds, with a heartbeat that verifies. */
  async workers(): Promise<Verified<WorkerInfo>> {
    const names = await this.redis.smembers(this.keys.workers);
    const entries: WorkerInfo[] = [];
    let notSigned = 0;
    for (const name of names.sort()) {
      // A key of another type under a worker's name is not a heartbeat (Redis refuses GET on it).
      const raw = await this.redis.get(this.keys.worker(name)).catch((error: Error) => {
        if (/^WRONGTYPE/.test(error.message)) return '';
        throw error;
      });
      if (raw === null) {
        await this.redis.srem(this.keys.workers, name);
        continue;
      }
      const info = openHeartbeat(raw, name, this.connection);
      if (info) entries.push(info);
      else notSigned++;
    }
    return { entries, notSigned };
  }

  /** Why workers refused a run (worker name → reason). */
  async refusals(runKey: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.runRefusals(runKey));
  }

  /**
   * Reads the run's events after stream id `from` ('0' = from the start) until `until` says stop or the run ends;
   * each event's files are downloaded into `runDir` (checked, confined) before `onEvent` sees it, with local paths.
   * Resolves with the id of the last event handled, to continue from later.
   */
  async follow(
    runKey: string,
    runDir: string,
    from: string,
    onEvent: (event: FollowedEvent, id: string) => void | Promise<void>,
    until: {
      signal?: AbortSignal;
      stopAtEnd?: boolean;
      afterBatch?: (lastId: string) => void;
      /**
       * An event that was not used (malformed, a path that leads out, a file that did not match), and why. Events
       * that do not verify are said once per follow, however many there are.
       */
      onSkipped?: (why: string) => void;
    } = {},
  ): Promise<string> {
    const conn = this.redis.duplicate();
    this.blocking.push(conn);
    let last = from;
    // The worker that holds the run now: events of an earlier holder that kept going a moment (its lock lapsed)
    // are dropped. Re-read from the start of the stream when following from the middle.
    let claim = from === '0' ? undefined : await this.claimBefore(runKey, from);
    let saidUnsigned = false;
    try {
      const store = await this.storeFor(runKey);
      while (!until.signal?.aborted) {
        const reply = (await conn.xread('COUNT', 200, 'BLOCK', 1000, 'STREAMS', this.keys.runEvents(runKey), last)) as [string, [string, string[]][]][] | null;
        if (!reply) continue;
        for (const [id, fields] of reply[0]![1]) {
          last = id;
          const opened = openRunEvent(fields, runKey, this.connection);
          if (opened.kind === 'unsigned') {
            // Whoever wrote these can write to Redis without the secret: say it once, not once per forged event.
            if (!saidUnsigned) until.onSkipped?.('Events of this run in the queue that do not carry a valid signature were ignored: they were not sent by a worker that shares this queue\'s secret. Check who can write to the Redis server, and that every worker uses the same secret.');
            saidUnsigned = true;
            continue;
          }
          if (opened.kind === 'malformed') {
            until.onSkipped?.(`An event of this run in the queue is not one LoRA Studio writes; it was ignored.`);
            continue;
          }
          const { event, claim: by } = opened;
          if (event.type === 'claimed') claim = by;
          else if (by !== undefined && claim !== undefined && by !== claim) continue;
          let local: FollowedEvent;
          try {
            local = await this.localize(event, runDir, store);
          } catch (error) {
            if (!(error instanceof UntrustedPathError || error instanceof ArtifactError || error instanceof PathOutsideError)) throw error;
            until.onSkipped?.(`The ${event.type} event at step ${'step' in event ? event.step : '?'} was ignored: ${error.message}`);
            continue;
          }
          await onEvent(local, id);
          if (until.stopAtEnd !== false && event.type === 'exit' && event.reason !== 'crashed' && event.reason !== 'unresponsive') {
            until.afterBatch?.(last);
            return last;
          }
          if (until.signal?.aborted) break;
        }
        until.afterBatch?.(last);
      }
      return last;
    } finally {
      conn.disconnect();
      this.blocking.splice(this.blocking.indexOf(conn), 1);
    }
  }

  /** The claim of the last 'claimed' event up to stream id `id`. */
  private async claimBefore(runKey: string, id: string): Promise<string | undefined> {
    const entries = (await this.redis.xrevrange(this.keys.runEvents(runKey), id, '-', 'COUNT', 10_000)) as [string, string[]][];
    for (const [, fields] of entries) {
      const opened = openRunEvent(fields, runKey, this.connection);
      if (opened.kind === 'event' && opened.event.type === 'claimed') return opened.claim;
    }
    return undefined;
  }

  /**
   * The store holding a run's files: where its job says (Redis when it says nothing). A bucket other than this
   * studio's cannot be read without its credentials: the reason, said for each file that cannot be fetched.
   */
  private async storeFor(runKey: string): Promise<ArtifactStore | string> {
    const location = (await this.job(runKey))?.artifacts;
    if (!location || location.kind === 'redis') return this.redisArtifacts;
    if (sameArtifactLocation(location, artifactLocation(this.connection.artifacts))) return this.artifacts;
    return `this run keeps its files in ${describeArtifactLocation(location)}, and this studio is set up for ${describeArtifactLocation(artifactLocation(this.connection.artifacts))}. Set up that bucket (Settings → Compute, or --artifacts) to fetch them.`;
  }

  /** Downloads the files an event announces into the run folder; its paths become the local ones. */
  private async localize(event: QueueEvent, runDir: string, store: ArtifactStore | string): Promise<FollowedEvent> {
    const file = async (rel: string, what: string) => {
      const path = jobPathIn(runDir, rel, what);
      if ('artifact' in event && event.artifact) {
        if (typeof store === 'string') throw new ArtifactError(`Its file was not fetched: ${store}`);
        await store.getToFile(event.artifact, path);
      }
      return path;
    };
    const { artifact: _artifact, ...rest } = event as QueueEvent & { artifact?: unknown };
    const e = rest as FollowedEvent;
    switch (e.type) {
      case 'started':
        return { ...e, runDir };
      case 'checkpoint-saved':
        return { ...e, path: await file(e.path, 'a checkpoint path') };
      case 'sample-written':
        return { ...e, path: await file(e.path, 'a sample path') };
      case 'finished':
        return { ...e, lora: await file(e.lora, 'the LoRA path') };
      case 'stopped':
      case 'failed':
        return { ...e, checkpoint: e.checkpoint === null ? null : jobPathIn(runDir, e.checkpoint, 'a checkpoint path') };
      default:
        return e;
    }
  }

  async close(): Promise<void> {
    for (const c of this.blocking) c.disconnect();
    await this.queue.close();
    this.artifacts.close?.();
    this.redis.disconnect();
  }
}
