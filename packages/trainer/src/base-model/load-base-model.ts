// One place that turns a --base folder or file into a BaseModel: a real FLUX.2 download (diffusers layout or a
// lora-studio-model.json), or a pixel-space model such as the embedded default.
import { isFlux2ModelPath } from '@lora-studio/models';
import type { BaseModel } from './base-model';
import { loadFlux2FilesModel } from './flux2-files-model';
import { loadPixelModel } from './pixel-model';

export async function loadBaseModel(path: string, options: { threads?: number } = {}): Promise<BaseModel> {
  if (isFlux2ModelPath(path)) return loadFlux2FilesModel(path, options);
  return loadPixelModel(path, options);
}
