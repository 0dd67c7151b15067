// Whether a run fits this machine's memory before it starts: RAM, or the GPU's memory when training on CUDA. One
// sentence for the Train view's preflight and the `train` command, saying which setting to change if it does not.
import { freemem, totalmem } from 'node:os';
import { describeMemory, gigabytes, memoryFit, runMemoryEstimate, runMemoryInput, type MemoryModel, type TrainingConfig } from '@lora-studio/trainer';
import { detectComputeDevice, gpuMemoryBytes } from '../compute-device';

export interface MemoryCheck {
  totalBytes: number;
  /** "about 17.6 GB (weights … + activations … ) on the GPU's 24 GB" */
  summary: string;
  /** Blocking when it cannot fit; a warning when it fits but not in what is free now. */
  problem?: { severity: 'error' | 'warning'; message: string };
}

/**
 * `limitBytes`: a cap below the machine's own memory (a queue worker told how much it may use, `worker --memory`);
 * the message then names that limit instead of the machine. `referenceImages`: an edit LoRA's most references per image.
 */
export function checkRunMemory(model: MemoryModel, config: TrainingConfig, textTokens?: number, limitBytes?: number, referenceImages = 0): MemoryCheck {
  const memory = runMemoryEstimate(model, config, textTokens, referenceImages);
  // On CUDA the tensors live in the GPU's memory; otherwise in RAM, where what is free now matters too.
  const gpuTotal = detectComputeDevice().provider === 'cuda' ? gpuMemoryBytes() : undefined;
  const gpu = gpuTotal !== undefined && limitBytes !== undefined ? Math.min(gpuTotal, limitBytes) : gpuTotal;
  const ram = limitBytes !== undefined ? Math.min(totalmem(), limitBytes) : totalmem();
  const budget = gpu !== undefined ? { device: 'cuda' as const, totalBytes: gpu } : { device: 'cpu' as const, totalBytes: ram, freeBytes: Math.min(freemem(), ram) };
  const capped = limitBytes !== undefined ? ' (the limit this worker was given)' : '';
  const where = gpu !== undefined ? `the GPU's ${gigabytes(gpu)}${capped}` : `this machine's ${gigabytes(ram)} of RAM${capped}`;
  const needs = `about ${gigabytes(memory.totalBytes)} (${describeMemory(memory, config.basePrecision ?? 'bf16')})`;
  const summary = `${needs} of ${where}`;
  const fit = memoryFit(runMemoryInput(model, config, textTokens, referenceImages), budget);
  if (!fit.fits) {
    const fix = fit.remedy
      ? `To fit, ${fit.remedy.advice} (about ${gigabytes(fit.remedy.totalBytes)}).`
      : "No setting brings it within this machine's memory: use a smaller model or a machine with more memory.";
    return { totalBytes: memory.totalBytes, summary, problem: { severity: 'error', message: `This run needs ${needs} but ${where} cannot hold it. ${fix}` } };
  }
  if (fit.tight) {
    return {
      totalBytes: memory.totalBytes, summary,
      problem: { severity: 'warning', message: `This run needs ${needs} and ${gigabytes(freemem())} of RAM are free now. Close other programs, or turn on gradient checkpointing or an int8 base to need less.` },
    };
  }
  return { totalBytes: memory.totalBytes, summary };
}
