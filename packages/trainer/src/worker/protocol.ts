// Messages between the host and the training worker process (child_process.fork IPC, structured JSON).
import type { TrainingEvent } from '../events';
import type { RuntimeOptions, TrainRequest } from '../setup';

export type WorkerCommand =
  | { type: 'start'; request: TrainRequest; runtime?: RuntimeOptions }
  /** Continue a run folder from its last checkpoint. */
  | { type: 'continue'; runDir: string; runtime?: RuntimeOptions }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'save-checkpoint-now' }
  | { type: 'sample-now'; prompt: string; seed?: number };

export type WorkerMessage =
  | { type: 'event'; event: TrainingEvent }
  /** Sent every `HEARTBEAT_MS` while the worker lives, also while paused or compiling. */
  | { type: 'heartbeat'; step: number }
  /** Bad inputs found before training: nothing was trained. */
  | { type: 'setup-failed'; problems: string[] };

export const HEARTBEAT_MS = 1000;
