// What a run's event stream holds: the trainer's own events (paths made relative to the run folder, files that
// came with them named as artifacts) and the queue's (submitted, claimed, refused, handed back, exited).
import type { RunStatus } from '@lora-studio/api';
import type { TrainingEvent, WorkerExit } from '@lora-studio/trainer';
import type { ArtifactRef } from './artifact-store';

export type QueueOnlyEvent =
  | { type: 'submitted'; name: string; labels: string[] }
  | { type: 'claimed'; worker: string }
  /** A worker that cannot take the run (labels, memory, base model) says why; the run stays queued. */
  | { type: 'refused'; worker: string; reason: string }
  /** The worker was asked to stop (Ctrl+C, SIGTERM): it kept a checkpoint and gave the run back to the queue. */
  | { type: 'handed-back'; worker: string; step: number }
  | { type: 'exit'; worker: string; reason: WorkerExit['reason']; step: number; message?: string };

/** A trainer event as it travels: `path`, `lora`, `checkpoint` and `runDir` relative to the run folder. */
export type StreamedTrainingEvent = TrainingEvent & { artifact?: ArtifactRef };

export type QueueEvent = StreamedTrainingEvent | QueueOnlyEvent;

/** Where a run is, as the queue's run list shows it. */
export interface QueueRunInfo {
  runKey: string;
  name: string;
  status: RunStatus;
  /** The worker training it (or that trained it last); empty while queued. */
  worker: string;
  step: number;
  totalSteps: number;
  labels: string[];
  submittedAt: string;
  updatedAt: string;
  /** Why it failed or stopped, or why workers refused it. */
  message: string;
}

/** An exit that ends the run on the queue (a crash or a hand-back is retried instead). */
export function isFinalExit(e: QueueEvent): boolean {
  return e.type === 'exit' && (e.reason === 'finished' || e.reason === 'stopped' || e.reason === 'failed' || e.reason === 'setup-failed');
}
