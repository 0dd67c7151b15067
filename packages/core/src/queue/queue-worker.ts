// A run-queue worker (`lora-studio worker`): takes runs from the queue that it can fit, rebuilds their dataset in
// its cache, trains them with the same TrainingWorker as the studio, and sends every event (and each checkpoint,
// sample and the final LoRA) back through Redis. A run that moved here from another worker continues from the
// last checkpoint that worker uploaded, so its losses continue exactly.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { freemem, totalmem, hostname } from 'node:os';
import { join, relative, sep } from 'node:path';
import { DelayedError, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { detectComputeDevice } from '../compute-device';
import { checkRunMemory } from '../runs/memory-check';
import {
  mostReferences, planNewRun, planResume, readBaseShape, resolveBaseDir, runPaths, TrainingSetupError, TrainingWorker, writeRunDescription,
  type BaseModelShape, type RunPlan, type TrainingEvent, type WorkerExit,
} from '@lora-studio/trainer';
import { ArtifactError, type ArtifactRef, type ArtifactStore } from './artifact-store';
import {
  artifactFlagsText, artifactLocation, describeArtifactLocation, openArtifactStore, sameArtifactLocation, type ArtifactStoreConfig,
} from './artifact-location';
import { materializeDataset } from './dataset-transfer';
import { appendRunEvent } from './event-stream';
import { checkJobPath, UntrustedPathError } from './job-paths';
import type { QueueEvent } from './queue-events';
import { queueKeys, type QueueKeys } from './queue-keys';
import { openRedis } from './redis-connection';
import { openRunControl } from './run-control';
import { expireRun, writeRunInfo } from './run-info';
import { heartbeatText, type WorkerInfo } from './worker-heartbeat';
import { BadJobError, openRunJob, type RunJob } from './run-job';

export interface QueueWorkerOptions {
  redisUrl: string;
  queueName: string;
  secret: string;
  name: string;
  labels: string[];
  concurrency: number;
  /** Downloaded dataset files, rebuilt dataset folders (with their encodings) and the run folders being trained. */
  cacheDir: string;
  /** Memory this worker may use for one run; the machine's own when absent. */
  memoryLimitBytes?: number;
  /** A model id from a job → that model's folder on this machine ('default' is the embedded model). */
  resolveBase: (id: string) => string;
  /** How long the job of a worker that vanished stays locked before another worker takes it over. */
  lockMs?: number;
  threads?: number;
  /** Where this worker fetches and sends files: Redis when absent. It takes only runs whose files are there. */
  artifacts?: ArtifactStoreConfig;
  version: string;
  log: (line: string) => void;
}

/** How a worker that cannot take a run puts it back: the run waits this long before any worker sees it again. */
const REFUSE_DELAY_MS = 2000;
const HEARTBEAT_MS = 2000;
/** The state kept for a run that may move to another worker. */
interface RunState {
  config?: RunPlan['description']['config'];
  checkpoint?: { step: number; path: string; artifact: ArtifactRef };
}

interface ActiveJob {
  jobId: string;
  /** This worker's claim on the run: every event it sends carries it, so followers can drop a stale worker's. */
  claim: string;
  /** The queue gave the run to another worker (this one's lock lapsed): this one stops and sends nothing more. */
  lost: boolean;
  run: RunJob;
  training: TrainingWorker | undefined;
  step: number;
  status: 'preparing' | 'running' | 'paused';
  handingBack: boolean;
}

export class QueueWorker {
  private readonly keys: QueueKeys;
  private readonly redis: Redis;
  private readonly artifacts: ArtifactStore;
  private worker!: Worker;
  private readonly active = new Map<string, ActiveJob>();
  private heartbeat: NodeJS.Timeout | undefined;
  private closing = false;
  private readonly startedAt = new Date().toISOString();

  private constructor(private readonly options: QueueWorkerOptions) {
    this.keys = queueKeys(options.queueName);
    this.redis = openRedis(options.redisUrl);
    this.artifacts = openArtifactStore(options.artifacts, this.redis, this.keys);
  }

  static async start(options: QueueWorkerOptions): Promise<QueueWorker> {
    const w = new QueueWorker(options);
    mkdirSync(options.cacheDir, { recursive: true });
    await w.redis.ping();
    await w.register();
    w.heartbeat = setInterval(() => void w.register().catch(() => undefined), HEARTBEAT_MS);
    const lockDuration = options.lockMs ?? 30_000;
    w.worker = new Worker(options.queueName, (job, token) => w.process(job, token!), {
      connection: { url: options.redisUrl, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(500 * times, 2000) },
      prefix: w.keys.bullPrefix,
      concurrency: options.concurrency,
      lockDuration,
      stalledInterval: Math.max(500, Math.round(lockDuration / 2)),
      // A run can outlive several workers (spot instances, power cuts): each takeover resumes from a checkpoint.
      maxStalledCount: 20,
      name: options.name,
    });
    w.worker.on('error', (err) => options.log(`queue connection: ${err.message}`));
    // Our lock on a run lapsed (this machine stalled, or lost Redis too long): the queue may already have given it
    // to another worker, which continues from the last checkpoint. Training it here too would only compete.
    w.worker.on('lockRenewalFailed', (jobIds) => {
      for (const a of w.active.values()) {
        if (!jobIds.includes(a.jobId) || a.lost) continue;
        a.lost = true;
        options.log(`run "${a.run.name}": this worker lost its hold on the run (lock renewal failed); stopping here, the queue gives it to another worker.`);
        a.training?.kill('SIGKILL');
      }
    });
    await w.worker.waitUntilReady();
    return w;
  }

  /** What the studio's Workers panel and "runs --queue" show, signed; expires when the worker stops answering. */
  private async register(): Promise<void> {
    const device = detectComputeDevice();
    // Typed as the reader's shape, so the heartbeat and what the studio parses cannot drift apart.
    const info: WorkerInfo = {
      name: this.options.name,
      host: hostname(),
      labels: this.options.labels,
      version: this.options.version,
      device: device.label,
      concurrency: this.options.concurrency,
      totalMemoryBytes: this.options.memoryLimitBytes ?? totalmem(),
      freeMemoryBytes: Math.min(freemem(), this.options.memoryLimitBytes ?? Infinity),
      runs: [...this.active.entries()].map(([runKey, a]) => ({ runKey, name: a.run.name, step: a.step, status: a.status })),
      startedAt: this.startedAt,
      heartbeatAt: new Date().toISOString(),
      files: artifactLocation(this.options.artifacts),
    };
    await this.redis.multi()
      .set(this.keys.worker(this.options.name), heartbeatText(info, this.options), 'PX', HEARTBEAT_MS * 5)
      .sadd(this.keys.workers, this.options.name)
      .exec();
  }

  /** Every event goes out signed with the queue's secret: a follower drops any it cannot verify. */
  private async publish(runKey: string, event: QueueEvent, claim?: string): Promise<void> {
    await appendRunEvent(this.redis, this.keys, this.options, runKey, event, claim);
  }

  private async process(job: Job, token: string): Promise<unknown> {
    let run: RunJob;
    try {
      run = openRunJob(job.data, this.options.secret, this.options.queueName);
    } catch (error) {
      // Never run, never retried; logged here and in the queue's list of refused jobs.
      const message = `Refused job ${job.id}: ${(error as Error).message}`;
      this.options.log(message);
      await this.redis.multi().lpush(this.keys.refusedJobs, JSON.stringify({ jobId: job.id, worker: this.options.name, at: new Date().toISOString(), reason: (error as Error).message })).ltrim(this.keys.refusedJobs, 0, 99).exec();
      throw new UnrecoverableError(message);
    }
    if (this.closing) return this.putBack(job, token);

    const missing = run.labels.filter((l) => !this.options.labels.includes(l));
    if (missing.length > 0) {
      return this.refuse(job, token, run, `it needs the label${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; this worker has ${this.options.labels.length ? this.options.labels.join(', ') : 'none'}.`);
    }
    const here = artifactLocation(this.options.artifacts);
    if (!sameArtifactLocation(run.artifacts, here)) {
      return this.refuse(job, token, run, `its files are in ${describeArtifactLocation(run.artifacts)}; this worker's are in ${describeArtifactLocation(here)}. A worker for it is started with ${artifactFlagsText(run.artifacts)}.`);
    }
    let baseDir: string;
    try {
      baseDir = this.options.resolveBase(run.base);
    } catch (error) {
      return this.refuse(job, token, run, `its base model "${run.base}" is not in this worker's model library (${(error as Error).message}). Add it with "lora-studio model add".`);
    }

    const active: ActiveJob = { jobId: job.id!, claim: randomUUID(), lost: false, run, training: undefined, step: 0, status: 'preparing', handingBack: false };
    this.active.set(run.runKey, active);
    try {
      let ready: { dataset: Awaited<ReturnType<typeof materializeDataset>>; state: RunState; runDir: string; fits: true | string };
      try {
        const dataset = await materializeDataset(this.artifacts, run.dataset, this.options.cacheDir);
        const state = await this.runState(run.runKey);
        const runDir = join(this.options.cacheDir, 'runs', run.runKey);
        // The uploaded checkpoint is the truth: whatever an earlier attempt left here is rebuilt from it.
        rmSync(runDir, { recursive: true, force: true });
        ready = { dataset, state, runDir, fits: await this.checkFit(run, dataset.dir, baseDir, runDir, state) };
      } catch (error) {
        return await this.notReady(job, run, error as Error);
      }
      const { dataset, state, runDir, fits } = ready;
      if (fits !== true) {
        rmSync(runDir, { recursive: true, force: true });
        return await this.refuse(job, token, run, fits);
      }
      await writeRunInfo(this.redis, this.keys, this.options, run.runKey, { status: 'running', worker: this.options.name, message: '' });
      await this.redis.hdel(this.keys.runRefusals(run.runKey), this.options.name);
      await this.publish(run.runKey, { type: 'claimed', worker: this.options.name }, active.claim);
      this.options.log(`run "${run.name}" (${run.runKey.slice(0, 8)}): ${state.checkpoint ? `continuing from step ${state.checkpoint.step}` : 'starting'}; dataset ${dataset.downloaded} files downloaded, ${dataset.reused} from cache`);
      const exit = await this.train(active, runDir, dataset.dir, baseDir, state);
      return await this.settle(job, token, active, exit);
    } finally {
      this.active.delete(run.runKey);
    }
  }

  private async runState(runKey: string): Promise<RunState> {
    const h = await this.redis.hgetall(this.keys.runState(runKey));
    const state: RunState = {};
    if (h.config) state.config = JSON.parse(h.config) as RunState['config'];
    if (h.checkpoint) state.checkpoint = JSON.parse(h.checkpoint) as RunState['checkpoint'];
    return state;
  }

  /** Builds the run folder (a continued run: run.json with this machine's paths and the uploaded checkpoint). */
  private async buildRunFolder(runDir: string, datasetDir: string, baseDir: string, state: RunState): Promise<void> {
    if (!state.checkpoint || !state.config) return;
    writeRunDescription(runDir, { version: 1, dataset: datasetDir, base: resolveBaseDir(baseDir), config: state.config, createdAt: new Date().toISOString() });
    const path = join(runDir, checkJobPath(state.checkpoint.path, 'a checkpoint path'));
    await this.artifacts.getToFile(state.checkpoint.artifact, path);
  }

  /**
   * True, or the reason this worker cannot train the run (said to the studio; the run stays queued). The estimate
   * reads the base model's shape from its headers, not its weights: the training process loads the model once.
   */
  private async checkFit(run: RunJob, datasetDir: string, baseDir: string, runDir: string, state: RunState): Promise<true | string> {
    let model: BaseModelShape | undefined;
    let plan: RunPlan;
    try {
      model = await readBaseShape(baseDir);
      if (state.checkpoint && state.config) {
        await this.buildRunFolder(runDir, datasetDir, baseDir, state);
        plan = await planResume(runDir, model);
      } else {
        plan = await planNewRun({ dataset: datasetDir, base: baseDir, runDir: join(runDir, 'preflight'), type: run.type as never, trigger: run.trigger, overrides: run.overrides }, model);
      }
      // Reference images add their tokens to every block: counted as the local preflight counts them.
      const memory = checkRunMemory(model, plan.description.config, undefined, this.options.memoryLimitBytes, mostReferences(plan.dataset));
      return memory.problem?.severity === 'error' ? memory.problem.message : true;
    } catch (error) {
      // Setup problems are the run's own (a bad dataset): the worker that trains it reports them as a failure.
      if (error instanceof TrainingSetupError) return true;
      return `this worker could not load the base model or dataset: ${(error as Error).message}`;
    } finally {
      await model?.close();
      rmSync(join(runDir, 'preflight'), { recursive: true, force: true });
    }
  }

  private async train(active: ActiveJob, runDir: string, datasetDir: string, baseDir: string, state: RunState): Promise<WorkerExit> {
    const { run } = active;
    let chain = Promise.resolve();
    let failure: Error | undefined;
    let lastPreparing = 0;
    const onEvent = (e: TrainingEvent) => {
      if (e.type === 'preparing') {
        const now = Date.now();
        if (e.done !== undefined && e.done !== e.total && now - lastPreparing < 250) return;
        lastPreparing = now;
      }
      chain = chain.then(() => this.forward(active, runDir, e)).catch((error: Error) => {
        failure ??= error;
        this.options.log(`run "${run.name}": could not send an event to the queue: ${error.message}`);
      });
    };
    const runtime = run.threads !== undefined ? { threads: run.threads } : this.options.threads !== undefined ? { threads: this.options.threads } : undefined;
    const training = state.checkpoint && state.config && existsSync(runPaths(runDir).description)
      ? TrainingWorker.continueRun(runDir, { onEvent, ...(runtime ? { runtime } : {}) })
      : TrainingWorker.start({ dataset: datasetDir, base: baseDir, runDir, type: run.type as never, trigger: run.trigger, overrides: run.overrides }, { onEvent, ...(runtime ? { runtime } : {}) });
    active.training = training;
    if (this.closing) {
      active.handingBack = true;
      training.stop();
    }
    const controls = this.listenForControls(active);
    const exit = await training.exited;
    active.training = undefined;
    await controls.stop();
    await chain;
    if (failure) throw failure;
    return exit;
  }

  /** One event to the run's stream; files it names are uploaded first, so whoever reads the event can fetch them. */
  private async forward(active: ActiveJob, runDir: string, e: TrainingEvent): Promise<void> {
    const { runKey } = active.run;
    if (active.lost) return;
    const rel = (p: string) => relative(runDir, p).split(sep).join('/');
    let out: QueueEvent;
    switch (e.type) {
      case 'started':
        await this.redis.hset(this.keys.runState(runKey), 'config', JSON.stringify(e.config));
        await writeRunInfo(this.redis, this.keys, this.options, runKey, { status: 'running', step: e.step, totalSteps: e.totalSteps });
        active.status = 'running';
        out = { ...e, runDir: '.' };
        break;
      case 'step':
        active.step = e.step;
        out = e;
        if (e.step % 10 === 0 || e.step === e.totalSteps) await writeRunInfo(this.redis, this.keys, this.options, runKey, { step: e.step });
        break;
      case 'checkpoint-saved': {
        const artifact = await this.artifacts.putFile(e.path);
        const checkpoint = { step: e.step, path: rel(e.path), artifact };
        await this.redis.hset(this.keys.runState(runKey), 'checkpoint', JSON.stringify(checkpoint));
        out = { ...e, path: checkpoint.path, artifact };
        break;
      }
      case 'sample-written':
        out = { ...e, path: rel(e.path), artifact: await this.artifacts.putFile(e.path) };
        break;
      case 'finished':
        out = { ...e, lora: rel(e.lora), artifact: await this.artifacts.putFile(e.lora) };
        break;
      case 'stopped':
        // A hand-back is said once, as 'handed-back', not as the user's stop.
        if (active.handingBack) return;
        out = { ...e, checkpoint: e.checkpoint === null ? null : rel(e.checkpoint) };
        break;
      case 'failed':
        out = { ...e, checkpoint: e.checkpoint === null ? null : rel(e.checkpoint) };
        break;
      case 'paused':
        active.status = 'paused';
        await writeRunInfo(this.redis, this.keys, this.options, runKey, { status: active.handingBack ? 'running' : 'paused', step: e.step });
        out = e;
        break;
      case 'resumed':
        active.status = 'running';
        await writeRunInfo(this.redis, this.keys, this.options, runKey, { status: 'running', step: e.step });
        out = e;
        break;
      default:
        out = e;
    }
    await this.publish(runKey, out, active.claim);
  }

  /** Reads the run's control list on its own connection (a blocking read) while the run trains. */
  private listenForControls(active: ActiveJob): { stop: () => Promise<void> } {
    const conn = this.redis.duplicate();
    let running = true;
    const key = this.keys.runControl(active.run.runKey);
    const loop = (async () => {
      while (running) {
        let popped: [string, string] | null;
        try {
          popped = await conn.blpop(key, 1);
        } catch {
          if (!running) return;
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        if (!popped || !active.training) continue;
        const control = openRunControl(popped[1], active.run.runKey, this.options.secret, this.options.queueName);
        if (!control) {
          this.options.log(`run "${active.run.name}": a control message that does not verify was ignored.`);
          continue;
        }
        const t = active.training;
        if (control.type === 'pause') t.pause();
        else if (control.type === 'resume') t.resume();
        else if (control.type === 'stop') t.stop();
        else if (control.type === 'save-checkpoint-now') t.saveCheckpointNow();
        else t.sampleNow(control.prompt, control.seed);
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        conn.disconnect();
      },
    };
  }

  /** What the job becomes once training ended: done, handed back, failed for good, or retried. */
  private async settle(job: Job, token: string, active: ActiveJob, exit: WorkerExit): Promise<unknown> {
    const { run } = active;
    const message = 'message' in exit ? exit.message : undefined;
    const step = 'step' in exit ? exit.step : 0;
    if (active.lost) throw new Error(`Run "${run.name}" moved to another worker.`);
    // Stopped for the hand-back (or ended before training began): another worker continues it.
    if (active.handingBack && (exit.reason === 'stopped' || exit.reason === 'crashed')) {
      await writeRunInfo(this.redis, this.keys, this.options, run.runKey, { status: 'queued', worker: '' });
      await this.publish(run.runKey, { type: 'handed-back', worker: this.options.name, step }, active.claim);
      this.options.log(`run "${run.name}": handed back to the queue at step ${step}`);
      return this.putBack(job, token);
    }
    await this.publish(run.runKey, { type: 'exit', worker: this.options.name, reason: exit.reason, step, ...(message ? { message } : {}) }, active.claim);
    this.options.log(`run "${run.name}": ${exit.reason} at step ${step}${message ? ` — ${message}` : ''}`);
    // A run that ended keeps its history for a while (a studio that was closed catches up), then Redis drops it.
    if (exit.reason === 'finished' || exit.reason === 'stopped' || exit.reason === 'failed' || exit.reason === 'setup-failed') await expireRun(this.redis, this.keys, run.runKey);
    switch (exit.reason) {
      case 'finished':
        await writeRunInfo(this.redis, this.keys, this.options, run.runKey, { status: 'finished', step: exit.step });
        return { step: exit.step };
      case 'stopped':
        await writeRunInfo(this.redis, this.keys, this.options, run.runKey, { status: 'stopped', step: exit.step, message: `Stopped at step ${exit.step}. Resume continues from the last checkpoint.` });
        return { step: exit.step };
      case 'failed':
      case 'setup-failed':
        await writeRunInfo(this.redis, this.keys, this.options, run.runKey, { status: 'failed', message: exit.message });
        throw new UnrecoverableError(exit.message);
      default: {
        // The training process died (memory, a crash): the queue retries it, from the last uploaded checkpoint,
        // until its attempts are spent; then it is interrupted and waits for a resume.
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (last) {
          const final = `${exit.message} It was tried ${job.opts.attempts ?? 1} times; resume it to try again from its last checkpoint.`;
          await writeRunInfo(this.redis, this.keys, this.options, run.runKey, { status: 'interrupted', worker: '', message: final });
          await this.publish(run.runKey, { type: 'exit', worker: this.options.name, reason: 'failed', step, message: final }, active.claim);
          await expireRun(this.redis, this.keys, run.runKey);
          throw new UnrecoverableError(final);
        }
        await writeRunInfo(this.redis, this.keys, this.options, run.runKey, { status: 'queued', worker: '', message: exit.message });
        throw new Error(exit.message);
      }
    }
  }

  /**
   * The run's inputs could not be made ready here. Lost or damaged files (expired, wrong checksum) and an unusable
   * dataset list fail the run for good, saying so; anything else (Redis away a moment) is tried again, and the last
   * attempt fails it the same way, so nobody waits on a run that will never start.
   */
  private async notReady(job: Job, run: RunJob, error: Error): Promise<never> {
    const permanent = error instanceof ArtifactError || error instanceof BadJobError || error instanceof UntrustedPathError;
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    this.options.log(`run "${run.name}": could not get it ready: ${error.message}`);
    if (!permanent && !last) throw error;
    const message = `The worker ${this.options.name} could not get the run ready: ${error.message}`;
    await writeRunInfo(this.redis, this.keys, this.options, run.runKey, { status: 'failed', worker: this.options.name, message });
    await this.publish(run.runKey, { type: 'exit', worker: this.options.name, reason: 'failed', step: 0, message });
    await expireRun(this.redis, this.keys, run.runKey);
    throw new UnrecoverableError(message);
  }

  private async refuse(job: Job, token: string, run: RunJob, reason: string): Promise<never> {
    const said = await this.redis.hget(this.keys.runRefusals(run.runKey), this.options.name);
    if (said !== reason) {
      this.options.log(`run "${run.name}" refused: ${reason}`);
      await this.redis.hset(this.keys.runRefusals(run.runKey), this.options.name, reason);
      await writeRunInfo(this.redis, this.keys, this.options, run.runKey, { message: `${this.options.name} cannot take this run: ${reason}` });
      await this.publish(run.runKey, { type: 'refused', worker: this.options.name, reason });
    }
    await job.moveToDelayed(Date.now() + REFUSE_DELAY_MS, token);
    throw new DelayedError();
  }

  /** Back to the waiting list for another worker (this one is closing). */
  private async putBack(job: Job, token: string): Promise<never> {
    await job.moveToWait(token);
    throw new WaitingError();
  }

  /** Runs in progress here, by run key (tests and the worker command's messages). */
  activeRuns(): string[] {
    return [...this.active.keys()];
  }

  /**
   * Ctrl+C / SIGTERM: no new runs; each run here finishes its step, keeps a checkpoint, uploads it and goes back to
   * the queue for another worker. Resolves once all of that is done.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const a of this.active.values()) {
      a.handingBack = true;
      a.training?.stop();
    }
    await this.worker.close();
    clearInterval(this.heartbeat);
    await this.redis.multi().del(this.keys.worker(this.options.name)).srem(this.keys.workers, this.options.name).exec().catch(() => undefined);
    this.artifacts.close?.();
    this.redis.disconnect();
  }
}
