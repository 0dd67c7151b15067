import { z } from 'zod';
import { pathSchema } from './paths';
import { projectDirSchema, type LoraType } from './projects';

/** Per-image flags; thresholds and the guide's reasons live in packages/media/src/thresholds.ts. */
export const imageFlagIds = [
  'low-resolution',
  'below-1024',
  'blurry',
  'overexposed',
  'underexposed',
  'heavy-compression',
  'extreme-aspect',
  'uniform-background',
  'near-duplicate',
  'text-overlay',
  'no-face',
  'multiple-faces',
] as const;
export type ImageFlagId = (typeof imageFlagIds)[number];

export interface ImageFlag {
  id: ImageFlagId;
  /** One line in the guide's words, e.g. "Looks blurry: the guide asks for every image to be sharp." */
  reason: string;
}

/** Measured once at import (pixels) and by the background analyzers (text, faces). */
export interface ImageMetrics {
  width: number;
  height: number;
  megapixels: number;
  /** Long side / short side, ≥ 1. */
  aspectRatio: number;
  /** Variance of the Laplacian at 512 px; higher is sharper. */
  sharpness: number;
  meanLuma: number;
  highlightsClipped: number;
  shadowsClipped: number;
  /** Estimated JPEG quality 1–100 from the file's quantisation tables; null for other formats. */
  jpegQuality: number | null;
  colourfulness: number;
  /** Luma std-dev along the image border; low means a plain backdrop. */
  borderStdDev: number;
  /** 64-bit perceptual hash, 16 hex characters. */
  phash: string;
  /** 8×8 grey miniature, 128 hex characters: near-duplicate check for flat graphics. */
  tiny: string;
  /** Background/lighting signature used for the same-room and session checks. */
  look: number[];
  /** Words OCR read with confidence; null until the text analyzer has run (or when it is off). */
  text: { words: string[]; confidence: number } | null;
  /** Faces found; null until the face analyzer has run (or when it is off). */
  faces: number | null;
}

export const cropBoxSchema = z
  .object({
    x: z.number().int().min(0),
    y: z.number().int().min(0),
    width: z.number().int().min(1),
    height: z.number().int().min(1),
  })
  .strict();
/** In the pixels of the upright (EXIF-rotated) original; the original file is never changed. */
export type CropBox = z.infer<typeof cropBoxSchema>;

export interface DatasetImage {
  id: number;
  hash: string;
  /** The file name the user imported. */
  sourceName: string;
  format: string;
  /** Upright size (EXIF orientation applied). */
  width: number;
  height: number;
  /** Paths relative to the project folder. */
  original: string;
  thumbSmall: string;
  thumbLarge: string;
  exif: { make?: string; model?: string; takenAt?: string } | null;
  metrics: ImageMetrics;
  flags: ImageFlag[];
  /** Text/face analysis: 'pending' until the background analyzers have run. */
  analysis: 'pending' | 'done' | 'failed';
  excluded: boolean;
  crop: CropBox | null;
  /** kohya-style repeat count from a "10_name" folder; 1 otherwise. */
  repeats: number;
  caption: string | null;
  importedAt: string;
  /** Near-duplicate cluster (index into DatasetHealth.nearDuplicates), null when the image has no near twin. */
  duplicateCluster: number | null;
  /** Photo session (index into DatasetHealth.sessions). */
  session: number | null;
  /**
   * Masked training: the image's mask, a grey PNG at the image's upright size relative to the project folder (white
   * = learn, black = ignore, grey between); null = the whole image is learnt.
   */
  mask: string | null;
  /** Edit LoRAs: how many reference images the image has (0–3; see references-list for them). */
  references: number;
}

export interface ImportFileResult {
  /** The path (or zip entry "archive.zip/dir/a.jpg") as the user gave it. */
  source: string;
  status: 'imported' | 'duplicate' | 'rejected';
  /** Why it was refused or skipped, in words the user can act on. */
  reason?: string;
  /** For an imported file: something the user should know (its caption was too long, so it was not kept). */
  note?: string;
  imageId?: number;
  /** For duplicates: the image already in the project. */
  duplicateOf?: number;
}

export interface ImportSummary {
  importId: string;
  imported: number;
  duplicates: number;
  rejected: number;
  cancelled: boolean;
  files: ImportFileResult[];
}

export interface DatasetWarning {
  id: string;
  severity: 'error' | 'warning' | 'info';
  /** One line, citing the guide in plain words. */
  message: string;
  imageIds: number[];
}

export interface PhotoSession {
  imageIds: number[];
  /** 'exif': same camera within a short time; 'look': same background and light, no capture time. */
  basis: 'exif' | 'look';
  label: string;
}

export interface DatasetHealth {
  loraType: LoraType;
  total: number;
  included: number;
  excluded: number;
  /** Images whose text/face analysis has not finished yet. */
  pendingAnalysis: number;
  count: { status: 'error' | 'warning' | 'ok'; message: string; minimum: number; optimalLow: number; optimalHigh: number };
  resolution: { belowMinimumShare: number; belowPreferredShare: number; medianShortSide: number };
  flagCounts: Record<ImageFlagId, number>;
  nearDuplicates: number[][];
  sessions: PhotoSession[];
  warnings: DatasetWarning[];
}

/** Under the 1 MiB request limit with room for the rest of the request; a painted mask at 1024 px is far smaller. */
const MAX_MASK_BASE64 = 900 * 1024;

const imageSort = ['imported', 'name', 'resolution', 'sharpness', 'exposure', 'compression', 'colourfulness', 'aspect'] as const;

export const imagesArgs = {
  'images-import': z
    .object({
      dir: projectDirSchema,
      /** Absolute paths on the machine running the studio: images, folders (recursed, kohya-aware) or .zip files. */
      paths: z.array(pathSchema()).min(1).max(10_000),
      /** Chosen by the caller so it can follow progress events and cancel before the import returns. */
      importId: z.string().min(1).max(100).optional(),
    })
    .strict(),
  'images-cancel-import': z.object({ dir: projectDirSchema, importId: z.string().min(1).max(100).optional() }).strict(),
  'images-list': z
    .object({
      dir: projectDirSchema,
      flag: z.enum(imageFlagIds).optional(),
      /** 'all' (default), 'included' or 'excluded'. */
      show: z.enum(['all', 'included', 'excluded']).optional(),
      sort: z.enum(imageSort).optional(),
      descending: z.boolean().optional(),
    })
    .strict(),
  'images-get': z.object({ dir: projectDirSchema, id: z.number().int().positive() }).strict(),
  'images-update': z
    .object({
      dir: projectDirSchema,
      ids: z.array(z.number().int().positive()).min(1).max(100_000),
      excluded: z.boolean().optional(),
      /** null removes the crop. */
      crop: cropBoxSchema.nullable().optional(),
    })
    .strict(),
  'images-set-mask': z
    .object({
      dir: projectDirSchema,
      id: z.number().int().positive(),
      /** The mask as a base64 PNG (any size: it is stretched over the image), or null to remove it. */
      png: z
        .string()
        .max(MAX_MASK_BASE64, 'The mask is too detailed to send (over 900 KB as PNG); paint it with fewer, larger strokes.')
        .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'The mask must be a base64-encoded PNG.')
        .nullable(),
    })
    .strict(),
  'dataset-health': z.object({ dir: projectDirSchema }).strict(),
};

type Args<K extends keyof typeof imagesArgs> = z.infer<(typeof imagesArgs)[K]>;

export type ImagesHandlers = {
  'images-import': (args: Args<'images-import'>) => Promise<ImportSummary>;
  'images-cancel-import': (args: Args<'images-cancel-import'>) => Promise<{ cancelled: number }>;
  'images-list': (args: Args<'images-list'>) => Promise<DatasetImage[]>;
  'images-get': (args: Args<'images-get'>) => Promise<DatasetImage>;
  'images-update': (args: Args<'images-update'>) => Promise<DatasetImage[]>;
  /** Stores (or with png null, removes) the image's training mask; returns the image as it is now. */
  'images-set-mask': (args: Args<'images-set-mask'>) => Promise<DatasetImage>;
  'dataset-health': (args: Args<'dataset-health'>) => Promise<DatasetHealth>;
};
