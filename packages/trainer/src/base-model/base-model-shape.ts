// What planning a run and estimating its memory need from a base model: its architecture, training profile, image
// sizes and its weights by reference (their stored dtype) — read from the model's config and file headers alone,
// with no weight loaded and no session compiled. A queue worker checks whether a run fits with it, so the model is
// loaded once per run (by the training process), not a second time for the check.
import { join } from 'node:path';
import { describeOpenModel, isFlux2ModelPath, openFlux2Checkpoint, openFlux2ModelFiles, readManifest } from '@lora-studio/models';
import type { BaseModel } from './base-model';
import { flux2FilesShape } from './flux2-files-model';
import { pixelModelShape } from './pixel-model';

export interface BaseModelShape extends Pick<BaseModel, 'family' | 'profile' | 'weights'> {
  encoders: Pick<BaseModel['encoders'], 'sizeMultiple' | 'fixedBuckets'>;
  /** Closes the weight files' handles. */
  close(): Promise<void>;
}

/** The same model folders or files as loadBaseModel, and the same errors for unusable ones. */
export async function readBaseModelShape(path: string): Promise<BaseModelShape> {
  if (isFlux2ModelPath(path)) {
    const files = openFlux2ModelFiles(path);
    return {
      ...flux2FilesShape(files, describeOpenModel(files)),
      weights: { kind: 'checkpoint', checkpoint: files.checkpoint },
      close: async () => files.close(),
    };
  }
  const manifest = readManifest(path);
  const checkpoint = openFlux2Checkpoint(join(path, manifest.files.transformer), { config: manifest.transformer });
  return { ...pixelModelShape(manifest), weights: { kind: 'checkpoint', checkpoint }, close: async () => checkpoint.close() };
}
