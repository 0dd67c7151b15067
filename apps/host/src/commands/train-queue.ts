// `train --queue` and `resume --queue`: the run trains on a queue worker, and this command follows it exactly like a
// local run — the same console lines and --json events, RUN_DIR filled as checkpoints, samples, metrics and the LoRA
// arrive. Ctrl+C detaches (the run keeps going); "lora-studio runs --queue" shows it, "resume RUN_DIR --queue" follows
// it again.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ArtifactLocation } from '@lora-studio/api';
import {
  artifactFlagsText, artifactLocation, describeArtifactLocation, redactedUrl, RunQueueClient, sameArtifactLocation, type FollowedEvent, type QueueConnection,
} from '@lora-studio/core';
import { MetricsLog, runPaths, writeRunDescription, type TrainingEvent } from '@lora-studio/trainer';
import { CommandFailed } from './call';
import { complain, oneLine, say, terminalJson } from './terminal-text';
import { reachQueue } from './queue-options';
import { reachBucket } from './artifact-options';
import { onStopSignals } from './stop-signals';

/** RUN_DIR/queue.json: which queue run this folder follows (no secret, no password). */
export interface QueueRunLink {
  version: 1;
  runKey: string;
  queueName: string;
  redis: string;
  /** The dataset and base model as given here, for run.json (so a plain local "resume" also works). */
  dataset: string;
  base: string;
  /** The last event this folder has (stream id), so following again continues there. */
  lastEvent: string;
  /** Where the run's files are when that is a bucket (no key): resuming needs the same bucket. */
  artifacts?: ArtifactLocation;
}

export function queueLinkPath(runDir: string): string {
  return join(runDir, 'queue.json');
}

export function readQueueLink(runDir: string): QueueRunLink | undefined {
  const path = queueLinkPath(runDir);
  if (!existsSync(path)) return undefined;
  const link = JSON.parse(readFileSync(path, 'utf8')) as QueueRunLink;
  if (link.version !== 1 || typeof link.runKey !== 'string') throw new CommandFailed(`${path} is not a queue link this version of LoRA Studio reads.`);
  return link;
}

function writeQueueLink(runDir: string, link: QueueRunLink): void {
  writeFileSync(queueLinkPath(runDir), `${JSON.stringify(link, null, 2)}\n`);
}

function queueLine(e: FollowedEvent): string | undefined {
  switch (e.type) {
    case 'submitted':
      return `Queued "${oneLine(e.name)}"${e.labels.length ? ` for workers labelled ${e.labels.join(', ')}` : ''}; waiting for a worker…`;
    case 'claimed':
      return `Training on worker ${oneLine(e.worker)}`;
    case 'refused':
      return `note: worker ${oneLine(e.worker)} cannot take this run: ${oneLine(e.reason)}`;
    case 'handed-back':
      return `Worker ${oneLine(e.worker)} handed the run back at step ${e.step}; it continues on the next free worker from its last checkpoint.`;
    case 'exit':
      if (e.reason === 'crashed' || e.reason === 'unresponsive') return `Worker ${oneLine(e.worker)} lost the run (${oneLine(e.message ?? e.reason)}); the queue retries it from its last checkpoint.`;
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Follows the run into `runDir` until it ends (0 finished or stopped, 1 failed) or Ctrl+C detaches (0).
 * `print` is the local run's printer, so the lines are the same.
 */
export async function followQueueRun(
  client: QueueClientLike,
  link: QueueRunLink,
  runDir: string,
  json: boolean,
  print: (e: TrainingEvent) => void,
): Promise<number> {
  const log = new MetricsLog(runPaths(runDir).metrics);
  const abort = new AbortController();
  let detached = false;
  const stopListening = onStopSignals(() => {
    detached = true;
    abort.abort();
  });
  let code = 0;
  let failureSaid = false;
  try {
    link.lastEvent = await client.follow(link.runKey, runDir, link.lastEvent, (e, id) => {
      link.lastEvent = id;
      if (e.type === 'started') {
        // The worker resumed from a checkpoint: steps after it come again, exactly as before.
        log.truncateAfter(e.resumedFrom ?? 0);
        if (!existsSync(runPaths(runDir).description)) {
          writeRunDescription(runDir, { version: 1, dataset: link.dataset, base: link.base, config: e.config, createdAt: new Date().toISOString() });
        }
      }
      if (e.type === 'step') log.append({ step: e.step, loss: e.loss, smoothedLoss: e.smoothedLoss, lr: e.lr, gradNorm: e.gradNorm });
      if (e.type === 'exit' && (e.reason === 'failed' || e.reason === 'setup-failed')) code = 1;
      if (e.type === 'claimed') failureSaid = false;
      if (e.type === 'failed') failureSaid = true;
      if (json) say(terminalJson(e));
      else if (isTrainingEvent(e)) print(e);
      else {
        const line = queueLine(e);
        if (line) say(line);
        // A failure the trainer did not announce itself (setup problems, retries spent) is said here.
        if (e.type === 'exit' && (e.reason === 'setup-failed' || (e.reason === 'failed' && !failureSaid)) && e.message) complain(e.message);
      }
      writeQueueLink(runDir, link);
    }, { signal: abort.signal, onSkipped: (why) => complain(`note: ${oneLine(why)}`) });
  } finally {
    stopListening();
    writeQueueLink(runDir, link);
  }
  if (detached && !json) say(`Detached; the run keeps training on the queue. See it with "lora-studio runs --queue ${link.redis}", follow it again with "lora-studio resume ${runDir} --queue ${link.redis}".`);
  return code;
}

const QUEUE_ONLY = new Set(['submitted', 'claimed', 'refused', 'handed-back', 'exit']);
function isTrainingEvent(e: FollowedEvent): e is TrainingEvent {
  return !QUEUE_ONLY.has(e.type);
}

type QueueClientLike = Pick<RunQueueClient, 'follow'>;

export async function submitToQueue(
  connection: QueueConnection,
  request: { dataset: string; base: string; baseHere: string; runDir: string; type?: string; trigger?: string; overrides: Parameters<RunQueueClient['submit']>[0]['overrides']; labels: string[]; threads?: number },
  json: boolean,
  print: (e: TrainingEvent) => void,
): Promise<number> {
  const runDir = resolve(request.runDir);
  if (existsSync(runPaths(runDir).description) || existsSync(queueLinkPath(runDir))) {
    throw new CommandFailed(`${runDir} already holds a run. Continue it with "lora-studio resume ${runDir}" or choose another --out folder.`);
  }
  await reachQueue(connection);
  await reachBucket(connection.artifacts);
  mkdirSync(runDir, { recursive: true });
  const client = new RunQueueClient(connection);
  try {
    const { runKey } = await client.submit({
      dataset: request.dataset, name: runDir.split(/[\\/]/).pop() ?? 'run', base: request.base, type: request.type, trigger: request.trigger,
      overrides: request.overrides, labels: request.labels, ...(request.threads !== undefined ? { threads: request.threads } : {}),
    });
    const link: QueueRunLink = { version: 1, runKey, queueName: connection.queueName, redis: redactedUrl(connection.redisUrl), dataset: resolve(request.dataset), base: request.baseHere, lastEvent: '0', ...(connection.artifacts?.kind === 's3' ? { artifacts: artifactLocation(connection.artifacts) } : {}) };
    writeQueueLink(runDir, link);
    return await followQueueRun(client, link, runDir, json, print);
  } finally {
    await client.close();
  }
}

/** `resume RUN_DIR --queue`: re-queues a stopped, failed or interrupted run (nothing to do if it is still going) and follows it. */
export async function resumeOnQueue(connection: QueueConnection, runDir: string, json: boolean, print: (e: TrainingEvent) => void): Promise<number> {
  const dir = resolve(runDir);
  const link = readQueueLink(dir);
  if (!link) throw new CommandFailed(`${dir} was not trained on a queue (no queue.json). Resume it here with "lora-studio resume ${runDir}".`);
  if (link.queueName !== connection.queueName) throw new CommandFailed(`${dir} belongs to the queue "${link.queueName}"; pass --queue-name ${link.queueName}.`);
  if (link.artifacts?.kind === 's3' && !sameArtifactLocation(link.artifacts, artifactLocation(connection.artifacts))) {
    throw new CommandFailed(`${dir} keeps its files in ${describeArtifactLocation(link.artifacts)}; resume it with ${artifactFlagsText(link.artifacts)} and that bucket's key in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`);
  }
  await reachQueue(connection);
  await reachBucket(connection.artifacts);
  const client = new RunQueueClient(connection);
  try {
    // A finished run is only followed (to fetch what this folder lacks); any other is queued again if it is not going.
    if ((await client.run(link.runKey))?.status !== 'finished') {
      try {
        await client.requeue(link.runKey);
      } catch (error) {
        throw new CommandFailed((error as Error).message);
      }
    }
    return await followQueueRun(client, link, dir, json, print);
  } finally {
    await client.close();
  }
}
