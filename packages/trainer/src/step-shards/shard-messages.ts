// What the training process and a step-shard thread say to each other (see sharded-step.ts).
import type { EngineSessionOptions, TrainStepIO } from '@lora-studio/onnx';

/** A tensor as it crosses to a thread: onnxruntime's Tensor class does not survive structured cloning. */
export interface WireTensor {
  type: string;
  dims: number[];
  data: Float32Array | BigInt64Array | Uint8Array | Int32Array;
}

export type ShardCommand =
  /** Create the session of one compiled graph (one per bucket), kept under `key`. */
  | { type: 'open'; key: string; bytes: Uint8Array; options: EngineSessionOptions; io: TrainStepIO }
  /** One accumulate run of the graph `key` on this shard's rows, from a zero gradient sum. */
  | { type: 'run'; key: string; feeds: Record<string, WireTensor>; params: Float32Array }
  | { type: 'release'; key: string };

export type ShardReply =
  | { type: 'opened'; key: string }
  | { type: 'ran'; loss: number; grad: Float32Array; rowLoss: Float32Array | null }
  | { type: 'failed'; reason: string };
