import { z } from 'zod';
import { pathSchema } from './paths';
import { projectDirSchema, type LoraType } from './projects';

/** Same rule ids as packages/captions (common/lint.ts), which implements them. */
export type CaptionLintRule =
  | 'empty'
  | 'too-short'
  | 'too-long'
  | 'trigger-missing'
  | 'trigger-late'
  | 'other-trigger'
  | 'common-trigger'
  | 'leak'
  | 'duplicate';

export interface CaptionIssue {
  rule: CaptionLintRule;
  severity: 'error' | 'warning';
  message: string;
  /** null: about the whole project (e.g. the trigger word is a common word). */
  imageId: number | null;
  /** Character ranges in the caption to underline. */
  spans: { start: number; end: number }[];
}

export type CaptionSourceKind = 'user' | 'import' | 'template' | 'onnx' | 'vlm';

export interface CaptionItem {
  imageId: number;
  /** Image file relative to the project folder. */
  file: string;
  sourceName: string;
  width: number;
  height: number;
  excluded: boolean;
  /** null: never captioned. */
  text: string | null;
  /** 'template', 'onnx' and 'vlm' captions are drafts until reviewed. */
  source: CaptionSourceKind | null;
  reviewed: boolean;
  updatedAt: string | null;
  issues: CaptionIssue[];
}

export interface CaptionHistory {
  /** "Find and replace "red" → "blue"": what Undo would revert; null when there is nothing to undo. */
  undo: string | null;
  redo: string | null;
}

export interface TagCount {
  tag: string;
  count: number;
  share: number;
  imageIds: number[];
}

export interface CaptionsOverview {
  trigger: string;
  type: LoraType;
  /** The recommended trigger phrase for this LoRA type, e.g. "a photo of sks person". */
  triggerPhrase: string;
  /** How most captions are written; batch tools and the tag table follow it. */
  style: 'tags' | 'sentences';
  items: CaptionItem[];
  /** "34 / 52 reviewed" (excluded images not counted). */
  reviewed: number;
  total: number;
  flagged: number;
  /** Project-wide findings (common trigger word). Per-image ones are on each item. */
  projectIssues: CaptionIssue[];
  leaks: TagCount[];
  history: CaptionHistory;
}

export interface CaptionLintReport {
  issues: CaptionIssue[];
  leaks: TagCount[];
  counts: Record<CaptionLintRule, number>;
  flaggedImageIds: number[];
}

export interface CaptionChangePreview {
  imageId: number;
  before: string | null;
  after: string;
  spans: { start: number; end: number }[];
}

export interface CaptionBatchPreview {
  label: string;
  changes: CaptionChangePreview[];
  /** Individual replacements; "Replace 12 instances". */
  edits: number;
}

export interface CaptionLintSettings {
  earlyWords: number;
  minWords: number;
  maxTokens: number;
  leakMinShare: number;
  leakMinCaptions: number;
  otherTriggers: string[];
}
export interface CaptionTaggerSettings {
  /** Folder with model.onnx + selected_tags.csv; null until the user picks one. */
  dir: string | null;
  threshold: number;
  characterThreshold: number;
  excludedTags: string[];
  maxTags: number;
}
export interface CaptionVisionSettings {
  url: string;
  model: string;
  prompt: string;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  maxTokens: number;
}
export interface CaptionSettings {
  lint: CaptionLintSettings;
  tagger: CaptionTaggerSettings;
  vision: CaptionVisionSettings;
  /** Whether an API key is stored for vision.url (in the studio's app store, never in the project). */
  apiKeySet: boolean;
}

export interface AutoCaptionSummary {
  total: number;
  captioned: number;
  skipped: number;
  failed: { imageId: number; message: string }[];
  cancelled: boolean;
  stoppedBy: string | null;
  history: CaptionHistory;
}

const imageIdSchema = z.number().int().positive();
const imageIdsSchema = z.array(imageIdSchema).max(100_000);

export const captionBatchOperationSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('replace'),
      find: z.string().min(1, 'Type the text to find.').max(1000, 'The text to find is too long; shorten it to 1,000 characters or fewer.'),
      replace: z.string().max(1000),
      regex: z.boolean(),
      caseSensitive: z.boolean(),
      wholeWord: z.boolean(),
    })
    .strict(),
  z.object({ kind: z.literal('affix'), prefix: z.string().max(500), suffix: z.string().max(500), separator: z.string().max(10) }).strict(),
  z.object({ kind: z.literal('remove-phrase'), phrase: z.string().min(1).max(200) }).strict(),
  z.object({ kind: z.literal('insert-trigger') }).strict(),
]);
export type CaptionBatchOperation = z.infer<typeof captionBatchOperationSchema>;

const batchArgs = z
  .object({
    dir: projectDirSchema,
    op: captionBatchOperationSchema,
    /** Only these images (the "selected" or "filtered" scope); all non-excluded images when left out. */
    imageIds: imageIdsSchema.optional(),
  })
  .strict();

export const captionerChoiceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('template') }).strict(),
  /** Fields left out come from the project's caption settings. */
  z.object({ kind: z.literal('onnx'), dir: pathSchema().optional() }).strict(),
  z
    .object({
      kind: z.literal('openai'),
      url: z.string().url('Give the server address, e.g. http://localhost:11434/v1.').optional(),
      model: z.string().min(1).max(200).optional(),
      /** Used for this job only; save one with captions-settings-update. */
      apiKey: z.string().min(1).max(500).optional(),
    })
    .strict(),
]);
export type CaptionerChoice = z.infer<typeof captionerChoiceSchema>;

export const captionsArgs = {
  'captions-list': z.object({ dir: projectDirSchema }).strict(),
  'captions-update': z
    .object({
      dir: projectDirSchema,
      imageId: imageIdSchema,
      text: z.string().max(20_000).optional(),
      reviewed: z.boolean().optional(),
      /** An id the editor picks when the caption field gets focus: autosaves of one session are one undo step. */
      editSession: z.string().min(1).max(100).optional(),
    })
    .strict(),
  'captions-set-reviewed': z.object({ dir: projectDirSchema, imageIds: imageIdsSchema.min(1), reviewed: z.boolean() }).strict(),
  'captions-lint': z.object({ dir: projectDirSchema }).strict(),
  'captions-tags': z.object({ dir: projectDirSchema, maxWords: z.number().int().min(1).max(3).optional() }).strict(),
  'captions-batch-preview': batchArgs,
  'captions-batch-apply': batchArgs,
  'captions-undo': z.object({ dir: projectDirSchema }).strict(),
  'captions-redo': z.object({ dir: projectDirSchema }).strict(),
  'captions-auto': z
    .object({
      dir: projectDirSchema,
      captioner: captionerChoiceSchema,
      /** 'all' also replaces reviewed captions: send it only after the user confirmed. */
      overwrite: z.enum(['missing', 'unreviewed', 'all']),
      imageIds: imageIdsSchema.optional(),
    })
    .strict(),
  'captions-auto-cancel': z.object({ dir: projectDirSchema }).strict(),
  'captions-export': z
    .object({ dir: projectDirSchema, format: z.enum(['txt', 'jsonl']), outDir: pathSchema(), withImages: z.boolean().optional() })
    .strict(),
  'captions-import': z
    .object({
      dir: projectDirSchema,
      format: z.enum(['txt', 'jsonl']),
      /** A folder of .txt sidecars, or a .jsonl file (or a folder holding metadata.jsonl). */
      from: pathSchema(),
      overwriteReviewed: z.boolean().optional(),
    })
    .strict(),
  'captions-settings-get': z.object({ dir: projectDirSchema }).strict(),
  'captions-settings-update': z
    .object({
      dir: projectDirSchema,
      lint: z
        .object({
          earlyWords: z.number().int().min(1).max(50),
          minWords: z.number().int().min(0).max(50),
          maxTokens: z.number().int().min(8).max(4096),
          leakMinShare: z.number().min(0.1).max(1),
          leakMinCaptions: z.number().int().min(2).max(1000),
          otherTriggers: z.array(z.string().min(1).max(40)).max(50),
        })
        .partial()
        .strict()
        .optional(),
      tagger: z
        .object({
          dir: pathSchema().nullable(),
          threshold: z.number().min(0).max(1),
          characterThreshold: z.number().min(0).max(1),
          excludedTags: z.array(z.string().min(1).max(100)).max(1000),
          maxTags: z.number().int().min(1).max(200),
        })
        .partial()
        .strict()
        .optional(),
      vision: z
        .object({
          url: z.string().url(),
          model: z.string().min(1).max(200),
          prompt: z.string().min(1).max(4000),
          concurrency: z.number().int().min(1).max(16),
          timeoutMs: z.number().int().min(1000).max(600_000),
          retries: z.number().int().min(0).max(10),
          maxTokens: z.number().int().min(16).max(4096),
        })
        .partial()
        .strict()
        .optional(),
      /** Stored in the studio's app store for vision.url; null forgets it. */
      apiKey: z.string().min(1).max(500).nullable().optional(),
    })
    .strict(),
};

type Args<K extends keyof typeof captionsArgs> = z.infer<(typeof captionsArgs)[K]>;

export type CaptionsHandlers = {
  'captions-list': (args: Args<'captions-list'>) => Promise<CaptionsOverview>;
  'captions-update': (args: Args<'captions-update'>) => Promise<{ item: CaptionItem; history: CaptionHistory }>;
  'captions-set-reviewed': (args: Args<'captions-set-reviewed'>) => Promise<{ changed: number; history: CaptionHistory }>;
  'captions-lint': (args: Args<'captions-lint'>) => Promise<CaptionLintReport>;
  'captions-tags': (args: Args<'captions-tags'>) => Promise<TagCount[]>;
  'captions-batch-preview': (args: Args<'captions-batch-preview'>) => Promise<CaptionBatchPreview>;
  'captions-batch-apply': (args: Args<'captions-batch-apply'>) => Promise<{ label: string; changed: number; history: CaptionHistory }>;
  'captions-undo': (args: Args<'captions-undo'>) => Promise<{ label: string | null; imageIds: number[]; history: CaptionHistory }>;
  'captions-redo': (args: Args<'captions-redo'>) => Promise<{ label: string | null; imageIds: number[]; history: CaptionHistory }>;
  'captions-auto': (args: Args<'captions-auto'>) => Promise<AutoCaptionSummary>;
  'captions-auto-cancel': (args: Args<'captions-auto-cancel'>) => Promise<{ cancelled: boolean }>;
  'captions-export': (args: Args<'captions-export'>) => Promise<{ outDir: string; captions: number; skipped: number; files: string[] }>;
  'captions-import': (
    args: Args<'captions-import'>,
  ) => Promise<{ imported: number; unchanged: number; keptReviewed: number; unmatched: string[]; history: CaptionHistory }>;
  'captions-settings-get': (args: Args<'captions-settings-get'>) => Promise<CaptionSettings>;
  'captions-settings-update': (args: Args<'captions-settings-update'>) => Promise<CaptionSettings>;
};
