// An exponential moving average of the trained tensors, kept beside them: ema ← decay·ema + (1 − decay)·params
// after every optimizer step, starting from the initial tensors. The average of the last ~1/(1 − decay) steps is
// often the better adapter (less of the last batches' noise); checkpoints hold both, so export and Compare can use
// either and a resume continues the average exactly. The update itself is onnx's `updateEma`, shared with pretraining.
import type { TrainingConfig } from './config';

/** The EMA decay a run uses, or undefined when it keeps none (off, or full fine-tuning). */
export function emaDecay(config: TrainingConfig): number | undefined {
  return config.mode === 'lora' && (config.ema ?? 0) > 0 ? config.ema : undefined;
}
