// Tiny FLUX.2 models on disk for tests of the model library, the CLI and the studio, in the layouts people download:
// the engine's tiny random-weight models (tiny-flux2-model.ts), which the engine opens and runs for real, arranged
// the way the library's tests need them (a flag left out, a file missing, BFL files without a manifest).
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLUX2_MANIFEST } from '../flux2-model/model-files';
import { writeTinyFlux2BflFiles, writeTinyFlux2Diffusers } from '../flux2-model/tiny-flux2-model';

export interface TinyModelOptions {
  /** Written to model_index.json; undefined leaves the key out. */
  isDistilled?: boolean;
  /** A dev-shaped model (guidance embedding, Mistral 3 text encoder) instead of klein. */
  guidance?: boolean;
  /** Leave out a file to test what is reported missing (a path relative to the model folder). */
  omit?: string[];
}

/**
 * A diffusers-layout folder: model_index.json, transformer/ and text_encoder/ (two shards + index each),
 * tokenizer/ (tokenizer.json + tokenizer_config.json), vae/, scheduler/. Returns the folder.
 */
export function writeTinyDiffusersModel(dir: string, options: TinyModelOptions = {}): string {
  writeTinyFlux2Diffusers(dir, options.guidance ? 'dev' : 'klein', { distilled: options.isDistilled });
  const indexPath = join(dir, 'model_index.json');
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as Record<string, unknown>;
  if (options.isDistilled === undefined) delete index.is_distilled;
  writeFileSync(indexPath, JSON.stringify(index, null, 2));
  mkdirSync(join(dir, 'scheduler'), { recursive: true });
  writeFileSync(join(dir, 'scheduler', 'scheduler_config.json'), JSON.stringify({ _class_name: 'FlowMatchEulerDiscreteScheduler', shift: 3 }));
  for (const rel of options.omit ?? []) rmSync(join(dir, rel));
  return dir;
}

/** BFL single files: a transformer file named like BFL's, ae.safetensors, and a text-encoder folder with its tokenizer. */
export function writeTinyBflFiles(dir: string, options: { transformerName?: string; guidance?: boolean } = {}): { transformer: string; vae: string; textEncoder: string } {
  const family = options.guidance ? 'dev' : 'klein';
  writeTinyFlux2BflFiles(dir, family);
  // The library writes its own manifest when the files are added; the engine's would make the folder a model already.
  rmSync(join(dir, FLUX2_MANIFEST));
  const written = join(dir, family === 'klein' ? 'flux-2-klein-base-tiny.safetensors' : 'flux2-dev-tiny.safetensors');
  const transformer = join(dir, options.transformerName ?? 'flux-2-klein-base-4b.safetensors');
  renameSync(written, transformer);
  return { transformer, vae: join(dir, 'ae.safetensors'), textEncoder: join(dir, 'text-encoder') };
}
