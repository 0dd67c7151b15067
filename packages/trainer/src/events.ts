// What a training run reports, in order. The worker forwards these over IPC, the CLI prints them (one JSON
// object per line with --json), the host persists the metrics.
import type { TrainingConfig } from './config';
import type { CacheStats } from './data/encoding-cache';
import type { MemoryEstimate } from './memory-estimate';

export interface StepMetrics {
  step: number;
  totalSteps: number;
  loss: number;
  smoothedLoss: number;
  lr: number;
  gradNorm: number;
  stepMs: number;
  samplesPerSecond: number;
  /** Resident memory of the training process, MiB. */
  memoryMb: number;
  epoch: number;
}

export type TrainingEvent =
  | { type: 'preparing'; stage: 'model' | 'dataset' | 'prior' | 'encoding' | 'compiling'; done?: number; total?: number }
  | {
      type: 'started';
      runDir: string;
      step: number;
      totalSteps: number;
      resumedFrom: number | null;
      images: number;
      /** Prior-preservation pictures trained on beside the images. */
      priorImages: number;
      buckets: string[];
      /** Text tokens per caption in every step and sample: the longest text's, not the pipelines' padded 512. */
      textTokens: number;
      /** Estimated peak memory of the steps (memory-estimate.ts), for comparison with the steps' memoryMb. */
      memoryEstimate: MemoryEstimate;
      provider: string;
      baseModel: string;
      cache: CacheStats;
      config: TrainingConfig;
    }
  | ({ type: 'step' } & StepMetrics)
  | { type: 'checkpoint-saved'; step: number; path: string }
  | { type: 'sample-written'; step: number; prompt: string; seed: number; path: string; requested: boolean }
  | { type: 'loss-alert'; kind: 'plateau' | 'rise'; step: number; windowMean: number; best: number; message: string }
  | { type: 'paused'; step: number }
  | { type: 'resumed'; step: number }
  | { type: 'stopped'; step: number; checkpoint: string | null }
  | { type: 'finished'; step: number; lora: string; finalLoss: number | null }
  | { type: 'failed'; step: number; reason: string; checkpoint: string | null };
