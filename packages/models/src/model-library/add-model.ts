// "Add a base model": a diffusers folder, BFL single files, or a hub repository becomes a named entry in the studio's
// model library (the app store), described from its configs. The CLI and the studio both add models through here.
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { realPathOf, type AppStore, type ModelRow } from '@lora-studio/store';
import { describeModel, type ModelDescription } from './describe-model';
import { downloadFromHub, isRepoId, type DownloadProgress } from './hub-download';
import { writeModelManifest } from './model-manifest';
import { DEFAULT_BASE_MODEL } from '@lora-studio/api';

export type ModelSource =
  | { kind: 'folder'; path: string }
  | { kind: 'files'; transformer: string; vae: string; textEncoder: string; tokenizer?: string }
  | { kind: 'hub'; repo: string; revision?: string; token?: string };

export interface LibraryModel extends ModelRow {
  description: ModelDescription;
}

export interface AddModelOptions {
  name?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Hugging Face caches to reuse files from (tests); default from the environment. */
  huggingFaceCaches?: string[];
}

/** Refusals the user fixes by changing what they asked for. */
export class ModelSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelSourceError';
  }
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/** Why a name cannot name a library model, or null. Names are what `train --base NAME` takes. */
export function modelNameProblem(name: string): string | null {
  if (name === DEFAULT_BASE_MODEL) return '"default" is the embedded model; give the added model another name.';
  if (!MODEL_NAME.test(name)) return `"${name}" cannot name a model: use up to 80 letters, digits, ".", "_" or "-", starting with a letter or digit.`;
  return null;
}

/** The studio's own model cache: downloads and BFL-files manifests. */
export function modelCacheDir(app: AppStore): string {
  return join(app.home, 'models');
}

/** A source string as the CLI and the studio's field take it: an existing folder, else a hub repository id. */
export function sourceFromText(text: string, extra: { revision?: string; token?: string } = {}): ModelSource {
  if (existsSync(text)) return { kind: 'folder', path: text };
  if (isRepoId(text)) return { kind: 'hub', repo: text, ...extra };
  throw new ModelSourceError(`"${text}" is neither a folder on this machine nor a Hugging Face repository id (owner/name).`);
}

function defaultName(source: ModelSource): string {
  const raw =
    source.kind === 'hub' ? source.repo.split('/')[1]!
    : source.kind === 'folder' ? basename(resolve(source.path))
    : basename(source.transformer).replace(/\.safetensors$/i, '');
  return raw.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 80) || 'model';
}

function existingFolder(path: string, words: string): string {
  if (!existsSync(path)) throw new ModelSourceError(`${words} ${path} does not exist.`);
  if (!statSync(path).isDirectory()) throw new ModelSourceError(`${words} ${path} is a file; give its folder.`);
  return realPathOf(path);
}

function existingFile(path: string, words: string): string {
  if (!existsSync(path)) throw new ModelSourceError(`${words} ${path} does not exist.`);
  if (!statSync(path).isFile()) throw new ModelSourceError(`${words} ${path} is not a file.`);
  return realPathOf(path);
}

/** Adds (or re-adds, to finish a download) a model and returns its library entry with its description. */
export async function addModel(app: AppStore, source: ModelSource, options: AddModelOptions = {}): Promise<LibraryModel> {
  const name = options.name?.trim() || defaultName(source);
  const problem = modelNameProblem(name);
  if (problem) throw new ModelSourceError(problem);
  const existing = app.models.get(name);
  const sameHubSource = existing && source.kind === 'hub' && existing.sourceRepo === source.repo;
  if (existing && !sameHubSource) throw new ModelSourceError(`The library already has a model named "${name}" (${existing.path}). Choose another name, or remove that one first.`);

  let row: Omit<ModelRow, 'addedAt'>;
  if (source.kind === 'folder') {
    const dir = existingFolder(source.path, 'The model folder');
    if (!existsSync(join(dir, 'model_index.json'))) {
      throw new ModelSourceError(`${dir} is not a model folder in the Hugging Face diffusers layout (it has no model_index.json). For BFL's single files use --transformer FILE --vae ae.safetensors --text-encoder DIR.`);
    }
    row = { name, kind: 'diffusers', path: dir, sourceRepo: null, sourceRevision: null };
  } else if (source.kind === 'files') {
    const transformer = existingFile(source.transformer, 'The transformer file');
    const vae = existingFile(source.vae, 'The VAE file');
    const textEncoder = existingFolder(source.textEncoder, 'The text-encoder folder');
    const tokenizer = source.tokenizer ? existingFolder(source.tokenizer, 'The tokenizer folder') : textEncoder;
    const dir = join(modelCacheDir(app), name);
    writeModelManifest(dir, { name, transformer, vae, textEncoder, tokenizer });
    row = { name, kind: 'bfl-files', path: dir, sourceRepo: null, sourceRevision: null };
  } else {
    const result = await downloadFromHub({
      repo: source.repo, revision: source.revision, token: source.token, cacheDir: modelCacheDir(app), env: options.env,
      signal: options.signal, onProgress: options.onProgress, huggingFaceCaches: options.huggingFaceCaches,
    });
    row = { name, kind: 'diffusers', path: result.dir, sourceRepo: source.repo, sourceRevision: result.revision };
  }
  const description = describeModel(row.path);
  return { ...app.models.remember(row), description };
}

export function listModels(app: AppStore): LibraryModel[] {
  return app.models.list().map((row) => ({ ...row, description: describeRecorded(row) }));
}

/** A recorded model whose folder went away, or whose manifest is damaged, is described as unusable, not an error. */
function describeRecorded(row: ModelRow): ModelDescription {
  if (!existsSync(row.path)) return unusable(row, `the model's folder ${row.path} (moved or deleted: add the model again)`);
  try {
    return describeModel(row.path);
  } catch (error) {
    return unusable(row, (error as Error).message);
  }
}

function unusable(row: ModelRow, missing: string): ModelDescription {
  const none = { parameters: 0, precision: [] };
  return {
    layout: row.kind, family: 'unknown', variant: 'unknown', training: 'unknown', label: 'unknown model', sampling: 'unknown', textEncoder: 'unknown',
    components: { transformer: none, textEncoder: none, vae: none }, bytesOnDisk: 0, complete: false, missing: [missing],
  };
}

/**
 * What a base-model setting means on disk: 'default' stays 'default' (the trainer knows it), a library name becomes
 * its folder, anything else is taken as a folder path.
 */
export function resolveBaseModel(app: AppStore, base: string): string {
  if (base === DEFAULT_BASE_MODEL) return base;
  return app.models.get(base)?.path ?? base;
}
