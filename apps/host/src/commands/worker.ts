import { hostname, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_BASE_MODEL } from '@lora-studio/api';
import { describeArtifactLocation, artifactLocation, parseLabels, QueueWorker, redactedUrl, STUDIO_VERSION } from '@lora-studio/core';
import { artifactFlags, ARTIFACTS_HELP, artifactStoreOption, reachBucket } from './artifact-options';
import { UsageError, type Command } from './command';
import { baseFromLibrary } from './library-base';
import { queueConnection, queueFlags, QUEUE_HELP, reachQueue } from './queue-options';
import { onStopSignals } from './stop-signals';
import { complain, oneLine, say } from './terminal-text';

/** A model id from a job → this machine's model folder, only from its own library (never a path from the job). */
function libraryModel(id: string): string {
  if (id === DEFAULT_BASE_MODEL) return id;
  const path = baseFromLibrary(id);
  if (path === id) throw new Error(`no model named "${id}" in this machine's library`);
  return path;
}

function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number.`);
  return n;
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Train runs from a run queue (Redis) on this machine.',
  help: `Usage: lora-studio worker --redis URL [--labels a,b] [--concurrency N] [--cache DIR] [--name NAME]
         [--memory GB] [--threads T] [--lock-seconds S] [--queue-name NAME] [--secret-file PATH]
         [--artifacts s3://BUCKET/PREFIX [--s3-endpoint URL] [--s3-region R] [--s3-path-style]]

Registers this machine as a worker on the run queue at URL (redis://HOST:PORT, or rediss://:PASSWORD@HOST:PORT)
and trains the runs it can fit, with the same trainer as the studio. Step metrics, samples, checkpoints and the
final LoRA go back to the studio through the queue. A run that needs a label this worker lacks, a base model its
library does not hold, or more memory than it has, is refused with the reason and stays queued for another worker.
--labels: what this worker offers (e.g. gpu-24gb); a run sent to a label goes only to workers with it.
--concurrency N: runs trained at once (default 1). --cache DIR: downloaded datasets, their encodings and the runs
in progress (default ~/.cache/lora-studio/worker). --name: how the studio shows it (default the host name).
--memory GB: memory one run may use here (default: all of this machine's).
--threads T: CPU threads per training session; workers that share runs need the same value for a run continued
on another worker to repeat its losses bit for bit.
--lock-seconds S: how long a run of a worker that vanished (killed, power cut) waits before another worker
continues it from its last checkpoint (default 30).
Ctrl+C or SIGTERM: each run finishes its step, keeps a checkpoint, uploads it and goes back to the queue; a second
Ctrl+C quits at once.
${QUEUE_HELP}
${ARTIFACTS_HELP}
A worker takes only runs whose files are where its own are (Redis, or the same bucket and prefix); it refuses the
others with the reason, and they stay queued for a worker that has them.
Example: LORA_STUDIO_QUEUE_SECRET=… lora-studio worker --redis redis://gpu-box:6379 --labels gpu-24gb`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        redis: { type: 'string' }, labels: { type: 'string' }, concurrency: { type: 'string' }, cache: { type: 'string' },
        name: { type: 'string' }, memory: { type: 'string' }, threads: { type: 'string' }, 'lock-seconds': { type: 'string' },
        ...queueFlags, ...artifactFlags,
      },
      allowPositionals: false,
    });
    if (positionals.length) throw new UsageError('worker takes no positional arguments.');
    if (!values.redis) throw new UsageError('--redis URL is required (redis://HOST:PORT).');
    const connection = queueConnection(values.redis, values);
    const artifacts = artifactStoreOption(values);
    let labels: string[];
    try {
      labels = parseLabels(values.labels);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const memory = values.memory === undefined ? undefined : Number(values.memory);
    if (memory !== undefined && !(memory > 0)) throw new UsageError('--memory takes gigabytes, e.g. 24.');
    const name = values.name ?? hostname();
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw new UsageError('--name takes letters, digits, ".", "_" and "-" (at most 64).');
    const threads = values.threads === undefined ? undefined : positiveInt(values.threads, '--threads', 1);
    await reachQueue(connection);
    await reachBucket(artifacts);
    const worker = await QueueWorker.start({
      ...connection,
      ...(artifacts ? { artifacts } : {}),
      name,
      labels,
      concurrency: positiveInt(values.concurrency, '--concurrency', 1),
      cacheDir: resolve(values.cache ?? join(homedir(), '.cache', 'lora-studio', 'worker')),
      ...(memory !== undefined ? { memoryLimitBytes: Math.round(memory * 1024 ** 3) } : {}),
      ...(threads !== undefined ? { threads } : {}),
      lockMs: positiveInt(values['lock-seconds'], '--lock-seconds', 30) * 1000,
      resolveBase: libraryModel,
      version: STUDIO_VERSION,
      log: (line) => say(oneLine(line)),
    });
    say(`worker ${name} waiting for runs on ${redactedUrl(connection.redisUrl)} (queue ${connection.queueName}${labels.length ? `, labels ${labels.join(', ')}` : ''}; files in ${describeArtifactLocation(artifactLocation(artifacts))})`);
    return new Promise<number>((done) => {
      onStopSignals(() => {
        const running = worker.activeRuns().length;
        complain(running ? `Handing ${running} run(s) back to the queue after the current step (Ctrl+C again quits at once)…` : 'Stopping…');
        void worker.close().then(() => done(0), (error: Error) => { complain(error.message); done(1); });
      });
    });
  },
};
