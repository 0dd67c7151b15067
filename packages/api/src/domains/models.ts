import { z } from 'zod';
import { pathSchema } from './paths';
import { projectDirSchema } from './projects';

/** The embedded default model's name wherever a base model is named. */
export const DEFAULT_MODEL = 'default';

export interface ModelComponentInfo {
  parameters: number;
  /** Storage types, most parameters first: ['BF16', 'F32']. */
  precision: string[];
}

/** What a base model is, from its configs and file headers. */
export interface ModelDescriptionInfo {
  layout: 'diffusers' | 'bfl-files';
  family: 'flux2' | 'unknown';
  variant: 'dev' | 'klein-4b' | 'klein-9b' | 'custom' | 'unknown';
  /** base trains best; distilled (klein) and guidance-distilled (dev) are for inference. */
  training: 'base' | 'distilled' | 'guidance-distilled' | 'unknown';
  label: string;
  sampling: string;
  textEncoder: string;
  components: { transformer: ModelComponentInfo; textEncoder: ModelComponentInfo; vae: ModelComponentInfo };
  bytesOnDisk: number;
  complete: boolean;
  /** What is missing, in words. */
  missing: string[];
}

/** A base model in the studio's library as the app store keeps it: a diffusers folder or a BFL-files manifest folder. */
export interface BaseModelRecord {
  name: string;
  kind: 'diffusers' | 'bfl-files';
  path: string;
  addedAt: string;
  sourceRepo: string | null;
  sourceRevision: string | null;
}

/** A hub download's progress, about four times a second and at every file. */
export interface ModelDownloadProgress {
  repo: string;
  /** The file being fetched now (null once everything is there). */
  file: string | null;
  filesDone: number;
  fileCount: number;
  bytesDone: number;
  bytesTotal: number;
  /** Over this session's transfer so far; 0 before the first byte. */
  bytesPerSecond: number;
  /** null while the rate is unknown. */
  etaSeconds: number | null;
}

export interface BaseModelInfo extends BaseModelRecord {
  description: ModelDescriptionInfo;
}

export const modelNameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'A model name is up to 80 letters, digits, ".", "_" or "-", starting with a letter or digit.');

export const modelSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('folder'), path: pathSchema('Give the model folder.') }).strict(),
  z.object({
    kind: z.literal('files'),
    transformer: pathSchema('Give the transformer file.'),
    vae: pathSchema('Give the VAE file (ae.safetensors).'),
    textEncoder: pathSchema('Give the text-encoder folder.'),
    tokenizer: pathSchema().optional(),
  }).strict(),
  z.object({
    kind: z.literal('hub'),
    repo: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, 'Write the repository as owner/name, e.g. black-forest-labs/FLUX.2-klein-base-4B.'),
    revision: z.string().trim().min(1).max(200).optional(),
    /** For gated repositories; never stored. */
    token: z.string().trim().max(400).optional(),
  }).strict(),
]);
export type ModelSourceArgs = z.infer<typeof modelSourceSchema>;

export const modelArgs = {
  'model-list': z.object({}).strict(),
  'model-add': z.object({ source: modelSourceSchema, name: modelNameSchema.optional() }).strict(),
  /** The base model a project trains on: 'default' or a name from model-list. */
  'model-project-get': z.object({ dir: projectDirSchema }).strict(),
  'model-project-set': z.object({ dir: projectDirSchema, name: z.union([z.literal(DEFAULT_MODEL), modelNameSchema]) }).strict(),
};

type Args<K extends keyof typeof modelArgs> = z.infer<(typeof modelArgs)[K]>;

export type ModelsHandlers = {
  'model-list': (args: Args<'model-list'>) => Promise<BaseModelInfo[]>;
  'model-add': (args: Args<'model-add'>) => Promise<BaseModelInfo>;
  'model-project-get': (args: Args<'model-project-get'>) => Promise<{ baseModel: string }>;
  'model-project-set': (args: Args<'model-project-set'>) => Promise<{ baseModel: string }>;
};

export interface ModelEvents {
  'model-download-progress': ModelDownloadProgress;
}
