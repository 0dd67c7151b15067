import type { CropBox, ImageFlag, ImageFlagId, ImageMetrics, LoraType } from '@lora-studio/api';
import { FLAG_REASONS, THRESHOLDS } from './thresholds';

/** What the flags of one image depend on besides its own pixels. */
export interface FlagContext {
  loraType: LoraType;
  /** Whether the project learns a person, so a missing or extra face matters (see faceChecksApply). */
  faceChecks: boolean;
  crop: CropBox | null;
  /** True when the dataset holds a near twin of this image (dataset-level, see dataset.ts). */
  hasNearDuplicate: boolean;
}

/** Face checks apply to subject projects of a person only (older subject projects count as people). */
export function faceChecksApply(project: { type: LoraType; subjectKind: string | null }): boolean {
  return project.type === 'subject' && (project.subjectKind ?? 'person') === 'person';
}

/**
 * The flags of one image. Computed when read, from stored metrics, so a new crop, a changed LoRA type or a new
 * near twin shows at once without re-analysing anything.
 */
export function imageFlags(m: ImageMetrics, ctx: FlagContext): ImageFlag[] {
  const ids: ImageFlagId[] = [];
  const w = ctx.crop?.width ?? m.width;
  const h = ctx.crop?.height ?? m.height;
  const shortSide = Math.min(w, h);
  if (shortSide < THRESHOLDS.resolution.minimum) ids.push('low-resolution');
  else if (shortSide < THRESHOLDS.resolution.preferred) ids.push('below-1024');
  if (m.sharpness < THRESHOLDS.blurry.maxLaplacianVariance) ids.push('blurry');
  const e = THRESHOLDS.exposure;
  if (m.meanLuma > e.overexposedMeanLuma || m.highlightsClipped > e.maxClippedShare) ids.push('overexposed');
  if (m.meanLuma < e.underexposedMeanLuma || m.shadowsClipped > e.maxClippedShare) ids.push('underexposed');
  if (m.jpegQuality !== null && m.jpegQuality !== undefined && m.jpegQuality < THRESHOLDS.compression.minJpegQuality) ids.push('heavy-compression');
  if (Math.max(w, h) / Math.min(w, h) > THRESHOLDS.aspect.maxRatio) ids.push('extreme-aspect');
  if (m.borderStdDev < THRESHOLDS.uniformBackground.maxBorderStdDev) ids.push('uniform-background');
  if (ctx.hasNearDuplicate) ids.push('near-duplicate');
  if (m.text && m.text.words.length >= THRESHOLDS.text.minWords) ids.push('text-overlay');
  // Faces only matter when the LoRA learns one person; a style LoRA may hold crowds or none, a teddy bear has none.
  if (ctx.faceChecks && m.faces !== null) {
    if (m.faces === 0) ids.push('no-face');
    if (m.faces > 1) ids.push('multiple-faces');
  }
  return ids.map((id) => ({ id, reason: FLAG_REASONS[id] }));
}
