// sharp is loaded on the main thread before any analysis thread starts: libvips must not be first loaded (and later
// unloaded) by a worker thread.
import 'sharp';
import { Worker } from 'node:worker_threads';
import { workerEntry } from '@lora-studio/store';
import type { AnalysisJob, AnalysisOutcome } from './analysis-messages';

/** Threads that sit idle this long are ended: each holds the OCR engine and the face detector (~200 MB). */
const IDLE_MS = 30_000;

/** In the repository a bootstrap that registers tsx (threads cannot take --import tsx); bundled in the desktop app. */
const THREAD_ENTRY = workerEntry('analysis-worker', new URL('./analysis-worker.mjs', import.meta.url)).path;

interface Thread {
  worker: Worker;
  job: { job: AnalysisJob; done: (o: AnalysisOutcome) => void } | null;
}

/**
 * A small pool of worker threads that analyse images off the main thread. Threads start on demand and end when
 * idle; a thread that dies fails only the image it was on (with the reason) and is replaced for the next one.
 * While idle the threads never keep the process alive.
 */
export class AnalysisPool {
  private readonly threads = new Set<Thread>();
  private readonly queue: { job: AnalysisJob; done: (o: AnalysisOutcome) => void }[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly size: number) {}

  run(job: AnalysisJob): Promise<AnalysisOutcome> {
    if (this.closed) return Promise.resolve({ id: job.id, ok: false, reason: 'Analysis was stopped (the project was closed).' });
    return new Promise((done) => {
      this.queue.push({ job, done });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const { done, job } of this.queue.splice(0)) done({ id: job.id, ok: false, reason: 'Analysis was stopped (the project was closed).' });
    await Promise.all([...this.threads].map((t) => t.worker.terminate()));
    this.threads.clear();
  }

  private dispatch(): void {
    clearTimeout(this.idleTimer);
    while (this.queue.length > 0) {
      let thread = [...this.threads].find((t) => t.job === null);
      if (!thread && this.threads.size < this.size) thread = this.spawn();
      if (!thread) return;
      const next = this.queue.shift()!;
      thread.job = next;
      thread.worker.ref();
      thread.worker.postMessage(next.job);
    }
    if ([...this.threads].every((t) => t.job === null)) {
      this.idleTimer = setTimeout(() => void this.endIdleThreads(), IDLE_MS).unref();
    }
  }

  private spawn(): Thread {
    const thread: Thread = { worker: new Worker(THREAD_ENTRY), job: null };
    this.threads.add(thread);
    thread.worker.on('message', (outcome: AnalysisOutcome) => {
      const current = thread.job;
      thread.job = null;
      thread.worker.unref();
      current?.done(outcome);
      this.dispatch();
    });
    const lost = (why: string) => {
      if (!this.threads.delete(thread)) return;
      const current = thread.job;
      thread.job = null;
      current?.done({ id: current.job.id, ok: false, reason: `The analysis thread stopped while reading this image (${why}).` });
      if (!this.closed) this.dispatch();
    };
    thread.worker.on('error', (err) => lost(err.message));
    thread.worker.on('exit', (code) => lost(`exit code ${code}`));
    return thread;
  }

  private async endIdleThreads(): Promise<void> {
    const idle = [...this.threads].filter((t) => t.job === null);
    for (const t of idle) this.threads.delete(t);
    await Promise.all(idle.map((t) => t.worker.terminate()));
  }
}
