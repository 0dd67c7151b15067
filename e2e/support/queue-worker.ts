import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths';

const bin = join(repoRoot, 'apps', 'host', 'bin', 'lora-studio.js');

/** A real `lora-studio worker` process on a queue, its output kept so a failure says what the worker said. */
export interface QueueWorker {
  readonly name: string;
  output(): string;
  /** Ctrl+C as a user would: the worker hands any run back and exits. */
  stop(): Promise<void>;
}

/** Starts the worker and resolves once it says it waits for runs (rejects with its output if it exits first). */
export async function startQueueWorker(opts: { redisUrl: string; name: string; secret: string; cache: string }): Promise<QueueWorker> {
  const args = [bin, 'worker', '--redis', opts.redisUrl, '--name', opts.name, '--cache', opts.cache, '--threads', '1'];
  // The secret travels in the environment, as the worker's help asks (a flag would show in the process list).
  const child: ChildProcess = spawn(process.execPath, args, { env: { ...process.env, LORA_STUDIO_QUEUE_SECRET: opts.secret }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const take = (d: Buffer) => {
      output += d.toString();
      if (/waiting for runs/.test(output)) resolve();
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    void exited.then((code) => reject(new Error(`lora-studio worker exited (${code}) before it was ready:\n${output}`)));
  });
  return {
    name: opts.name,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
