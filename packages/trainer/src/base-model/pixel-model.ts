// A pixel-space FLUX.2 model folder (model.json + transformer + text encoder, as `lora-studio model pretrain`
// writes it), such as the embedded default model, adapted to what the trainer needs.
import { join } from 'node:path';
import { floatToBytes, flux2Family, loadDefaultModel, openFlux2Checkpoint, tokenChannels, tokenCount, type ModelManifest } from '@lora-studio/models';
import type { BaseModel } from './base-model';

/** The architecture, profile and image sizes of a pixel-space model, from its model.json alone. */
export function pixelModelShape(manifest: ModelManifest): Pick<BaseModel, 'family' | 'profile'> & { encoders: Pick<BaseModel['encoders'], 'sizeMultiple' | 'fixedBuckets'> } {
  const format = manifest.image;
  return {
    family: flux2Family(manifest.transformer),
    // Pretrained with 10% empty captions, so classifier-free guidance works; 3 is what its own sampler uses.
    profile: { nativeResolution: format.size, small: true, sampleGuidance: 3 },
    encoders: {
      sizeMultiple: format.patch,
      // Pretrained on one square size only; other sizes would be out of distribution.
      fixedBuckets: [{ width: format.size, height: format.size }],
    },
  };
}

export async function loadPixelModel(dir: string, options: { threads?: number } = {}): Promise<BaseModel> {
  const m = await loadDefaultModel(dir, { threads: options.threads ?? 1 });
  const format = m.image;
  // The trainer's graphs read the transformer file itself (external data), as for a real model.
  let checkpoint;
  try {
    checkpoint = openFlux2Checkpoint(join(dir, m.manifest.files.transformer), { config: m.config });
  } catch (error) {
    await m.close();
    throw error;
  }
  const shape = pixelModelShape(m.manifest);
  return {
    id: m.id,
    name: m.manifest.name,
    dir,
    family: shape.family,
    transformer: m.config,
    weights: { kind: 'checkpoint', checkpoint },
    profile: shape.profile,
    encoders: {
      ...shape.encoders,
      id: m.id,
      async encodeImage(image) {
        return { shape: [tokenCount(format), tokenChannels(format)], data: m.encodeImage(image) };
      },
      async encodeText(caption) {
        const t = await m.encodeText([caption]);
        return { shape: [t.shape[1], t.shape[2]], data: t.context };
      },
    },
    decodeImage(tokens, width, height) {
      if (width !== format.size || height !== format.size) throw new Error(`${m.manifest.name} makes ${format.size}×${format.size} images, not ${width}×${height}.`);
      return floatToBytes(m.decodeImage(tokens));
    },
    close: async () => {
      checkpoint.close();
      await m.close();
    },
  };
}
