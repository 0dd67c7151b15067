// The host side of the training worker: forks the worker process, sends commands, turns its messages into
// events, and always reports how it ended — finished, stopped, failed (with the reason), setup problems,
// crashed (exit code or signal, e.g. killed for memory) or unresponsive (no heartbeat).
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { workerEntry } from '@lora-studio/store';
import type { TrainingEvent } from '../events';
import type { RuntimeOptions, TrainRequest } from '../setup';
import { HEARTBEAT_MS, type WorkerCommand, type WorkerMessage } from './protocol';

/** The TypeScript source run through tsx in the repository; its own bundled file in the desktop app. */
const WORKER_ENTRY = workerEntry('training-worker', new URL('./training-worker.ts', import.meta.url));

function crashMessage(code: number | null, signal: NodeJS.Signals | null, step: number): string {
  // A packaged app built without its worker file: resuming would fail the same way.
  if (!existsSync(WORKER_ENTRY.path)) return `LoRA Studio is incomplete: the training worker (${WORKER_ENTRY.path}) is missing. Reinstall LoRA Studio.`;
  if (signal) return `The training worker was killed (${signal}${signal === 'SIGKILL' ? ', possibly out of memory' : ''}) at step ${step}. Resume the run from its last checkpoint.`;
  return `The training worker exited unexpectedly (code ${code}) at step ${step}. Resume the run from its last checkpoint.`;
}

export type WorkerExit =
  | { reason: 'finished' | 'stopped'; step: number }
  | { reason: 'failed'; step: number; message: string }
  | { reason: 'setup-failed'; problems: string[]; message: string }
  | { reason: 'crashed'; step: number; code: number | null; signal: NodeJS.Signals | null; message: string }
  | { reason: 'unresponsive'; step: number; message: string };

export interface TrainingWorkerOptions {
  onEvent?: (event: TrainingEvent) => void;
  /** No message for this long means the worker hangs: it is killed and reported as unresponsive. */
  heartbeatTimeoutMs?: number;
  runtime?: RuntimeOptions;
}

export class TrainingWorker {
  /** Resolves once the worker process is gone, with why. */
  readonly exited: Promise<WorkerExit>;
  private readonly child: ChildProcess;
  private lastStep = 0;
  private outcome: WorkerExit | undefined;
  private lastMessageAt = Date.now();
  private readonly watchdog: NodeJS.Timeout;

  private constructor(first: WorkerCommand, private readonly options: TrainingWorkerOptions) {
    this.child = fork(WORKER_ENTRY.path, [], { execArgv: WORKER_ENTRY.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    const timeout = options.heartbeatTimeoutMs ?? 30_000;
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastMessageAt > timeout && !this.outcome) {
        this.outcome = { reason: 'unresponsive', step: this.lastStep, message: `The training worker sent nothing for ${Math.round(timeout / 1000)} s and was stopped. Resume the run from its last checkpoint.` };
        this.child.kill('SIGKILL');
      }
    }, Math.min(timeout, HEARTBEAT_MS));
    this.child.on('message', (m: WorkerMessage) => this.receive(m));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        clearInterval(this.watchdog);
        resolve(this.outcome ?? { reason: 'crashed', step: this.lastStep, code, signal, message: crashMessage(code, signal, this.lastStep) });
      });
    });
    this.child.send(first);
  }

  /** A new run in `request.runDir`. */
  static start(request: TrainRequest, options: TrainingWorkerOptions = {}): TrainingWorker {
    return new TrainingWorker({ type: 'start', request, runtime: options.runtime }, options);
  }

  /** Continues a run folder from its last checkpoint. */
  static continueRun(runDir: string, options: TrainingWorkerOptions = {}): TrainingWorker {
    return new TrainingWorker({ type: 'continue', runDir, runtime: options.runtime }, options);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  pause(): void { this.send({ type: 'pause' }); }
  resume(): void { this.send({ type: 'resume' }); }
  stop(): void { this.send({ type: 'stop' }); }
  saveCheckpointNow(): void { this.send({ type: 'save-checkpoint-now' }); }
  sampleNow(prompt: string, seed?: number): void { this.send({ type: 'sample-now', prompt, seed }); }

  /** Ends the process at once (the run can be resumed from its last checkpoint). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }

  private send(command: WorkerCommand): void {
    if (this.child.connected) this.child.send(command);
  }

  private receive(m: WorkerMessage): void {
    this.lastMessageAt = Date.now();
    if (m.type === 'heartbeat') return;
    if (m.type === 'setup-failed') {
      this.outcome = { reason: 'setup-failed', problems: m.problems, message: `Training cannot start:\n${m.problems.map((p) => `- ${p}`).join('\n')}` };
      return;
    }
    const e = m.event;
    if ('step' in e && typeof e.step === 'number') this.lastStep = e.step;
    if (e.type === 'finished') this.outcome = { reason: 'finished', step: e.step };
    if (e.type === 'stopped') this.outcome = { reason: 'stopped', step: e.step };
    if (e.type === 'failed') this.outcome = { reason: 'failed', step: e.step, message: e.reason };
    this.options.onEvent?.(e);
  }
}
