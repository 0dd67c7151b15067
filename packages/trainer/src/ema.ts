// An exponential moving average of the trained tensors, kept beside them: ema ← decay·ema + (1 − decay)·params
// after every optimizer step, starting from the initial tensors. The average of the last ~1/(1 − decay) steps is
// often the better adapter (less of the last batches' noise); checkpoints hold both, so export and Compare can use
// either and a resume continues the average exactly.
import type { TrainingConfig } from './config';

/** The EMA decay a run uses, or undefined when it keeps none (off, or full fine-tuning). */
export function emaDecay(config: TrainingConfig): number | undefined {
  return config.mode === 'lora' && (config.ema ?? 0) > 0 ? config.ema : undefined;
}

/** One step of the average, in place; each element in float64 and rounded once, so a resume repeats it bit for bit. */
export function updateEma(ema: Float32Array, params: Float32Array, decay: number): void {
  if (ema.length !== params.length) throw new Error(`The EMA holds ${ema.length} values but the adapter ${params.length}; the checkpoint does not belong to this run.`);
  const keep = 1 - decay;
  for (let i = 0; i < ema.length; i++) ema[i] = decay * ema[i]! + keep * params[i]!;
}
