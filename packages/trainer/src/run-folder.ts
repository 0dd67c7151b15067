// A run folder: run.json (what was asked: dataset, base model, config), checkpoints/, samples/, metrics.jsonl,
// lora.safetensors when finished, prior/ when prior preservation is on, and cache/ for folder datasets. `resume RUN_DIR` needs nothing else.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainingConfig } from './config';
import { writeFileAtomic } from '@lora-studio/onnx';

export interface RunDescription {
  version: 1;
  /** Absolute path of the project folder or image folder. */
  dataset: string;
  /** Absolute path of the base model folder. */
  base: string;
  config: TrainingConfig;
  createdAt: string;
}

export function runPaths(runDir: string) {
  return {
    description: join(runDir, 'run.json'),
    checkpoints: join(runDir, 'checkpoints'),
    samples: join(runDir, 'samples'),
    metrics: join(runDir, 'metrics.jsonl'),
    cache: join(runDir, 'cache'),
    lora: join(runDir, 'lora.safetensors'),
    /** Prior-preservation images drawn by the base model (config.priorImages), with their captions. */
    prior: join(runDir, 'prior'),
  };
}

export function writeRunDescription(runDir: string, d: RunDescription): void {
  mkdirSync(runDir, { recursive: true });
  writeFileAtomic(runPaths(runDir).description, new TextEncoder().encode(`${JSON.stringify(d, null, 2)}\n`));
}

export function readRunDescription(runDir: string): RunDescription {
  const path = runPaths(runDir).description;
  if (!existsSync(path)) throw new Error(`${runDir} is not a training run folder (no run.json). Give the --out folder of a "lora-studio train" run.`);
  const d = JSON.parse(readFileSync(path, 'utf8')) as RunDescription;
  if (d.version !== 1) throw new Error(`${path} has run format ${String(d.version)}; this version of LoRA Studio reads format 1.`);
  return d;
}
