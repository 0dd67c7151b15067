// Real processes for the run-queue tests: `lora-studio worker` and `lora-studio train --queue`, each its own
// process with the queue secret in its environment, their output kept for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const bin = resolve(import.meta.dirname, '../../bin/lora-studio.js');

export const TEST_QUEUE_SECRET = 'test-secret-0123456789abcdef';

export class CliProcess {
  output = '';
  readonly exited: Promise<number | null>;
  private readonly waiters: { pattern: RegExp; resolve: () => void }[] = [];

  constructor(readonly child: ChildProcess) {
    const take = (d: Buffer) => {
      this.output += d.toString();
      for (const w of [...this.waiters]) {
        if (w.pattern.test(this.output)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  /** Resolves once the output matches (rejects if the process ends first). */
  waitFor(pattern: RegExp): Promise<void> {
    if (pattern.test(this.output)) return Promise.resolve();
    return new Promise((resolveWait, reject) => {
      this.waiters.push({ pattern, resolve: resolveWait });
      void this.exited.then((code) => reject(new Error(`process exited (${code}) before ${pattern}:\n${this.output}`)));
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  return new CliProcess(spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, LORA_STUDIO_QUEUE_SECRET: TEST_QUEUE_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
}

/** A worker on `url`, ready once it says it waits for runs. */
export async function startWorker(url: string, name: string, cache: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<CliProcess> {
  const w = startCli(['worker', '--redis', url, '--name', name, '--cache', cache, '--threads', '1', '--lock-seconds', '8', ...extra], env);
  await w.waitFor(/waiting for runs/);
  return w;
}
