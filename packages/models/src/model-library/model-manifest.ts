// BFL's single files (transformer, ae.safetensors) plus a text-encoder folder do not form a diffusers folder, so the
// studio records where they are in a small manifest in its model cache. The files stay where the user keeps them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export const MODEL_MANIFEST_FILE = 'lora-studio-model.json';
export const FLUX2_FILES_FORMAT = 'lora-studio-flux2-files';

export interface Flux2FilesManifest {
  format: typeof FLUX2_FILES_FORMAT;
  name: string;
  transformer: string;
  vae: string;
  textEncoder: string;
  tokenizer: string;
}

export function manifestPathIn(dir: string): string {
  return join(dir, MODEL_MANIFEST_FILE);
}

export function hasModelManifest(dir: string): boolean {
  return existsSync(manifestPathIn(dir));
}

/** Reads a manifest; relative paths count from the manifest's folder so a moved cache keeps working. */
export function readModelManifest(dir: string): Flux2FilesManifest {
  const file = manifestPathIn(dir);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}). Add the model again with "lora-studio model add".`);
  }
  const m = parsed as Partial<Flux2FilesManifest>;
  const fields = ['name', 'transformer', 'vae', 'textEncoder', 'tokenizer'] as const;
  const bad = fields.filter((f) => typeof m[f] !== 'string' || m[f] === '');
  if (m.format !== FLUX2_FILES_FORMAT || bad.length > 0) {
    throw new Error(`${file} is not a LoRA Studio model manifest (format "${String(m.format)}"${bad.length ? `, lacks ${bad.join(', ')}` : ''}). Add the model again with "lora-studio model add".`);
  }
  const at = (p: string) => (isAbsolute(p) ? p : resolve(dirname(file), p));
  return { format: FLUX2_FILES_FORMAT, name: m.name!, transformer: at(m.transformer!), vae: at(m.vae!), textEncoder: at(m.textEncoder!), tokenizer: at(m.tokenizer!) };
}

export function writeModelManifest(dir: string, manifest: Omit<Flux2FilesManifest, 'format'>): string {
  mkdirSync(dir, { recursive: true });
  const file = manifestPathIn(dir);
  writeFileSync(file, `${JSON.stringify({ format: FLUX2_FILES_FORMAT, ...manifest }, null, 2)}\n`);
  return file;
}
