// A real FLUX.2 model folder (model.json + transformer checkpoint + ONNX text encoder and VAE; see
// packages/models/src/encoders/README.md) adapted to what the trainer needs.
import { flux2WeightSpecs, loadOnnxBaseModel, type DenseTensor } from '@lora-studio/models';
import type { BaseModel } from './base-model';

export async function loadOnnxModel(dir: string, options: { threads?: number } = {}): Promise<BaseModel> {
  const m = await loadOnnxBaseModel(dir, { threads: options.threads });
  // The trainer's step graph takes the frozen weights inline, so they are read into memory here (float32).
  const weights: Record<string, DenseTensor> = {};
  try {
    for (const spec of flux2WeightSpecs(m.config)) weights[spec.name] = { shape: [...spec.shape], data: m.checkpoint.readFloat32(spec.name) };
  } catch (error) {
    await m.close();
    throw error;
  }
  const manifest = m.folder.manifest;
  return {
    id: m.id,
    name: m.name,
    dir: m.folder.dir,
    transformer: m.config,
    weights,
    profile: { nativeResolution: manifest.nativeResolution ?? 1024, small: false, sampleGuidance: manifest.sampleGuidance ?? 4 },
    encoders: {
      id: m.encodersId,
      sizeMultiple: m.encoders.sizeMultiple,
      async encodeImage(image) {
        const tokens = await m.encoders.encodeImage(image);
        return { shape: [tokens.length / m.config.inChannels, m.config.inChannels], data: tokens };
      },
      async encodeText(caption) {
        const t = await m.encoders.encodeText(caption);
        return { shape: t.shape, data: t.context };
      },
    },
    decodeImage: (tokens, width, height) => m.encoders.decodeImage(tokens, width, height),
    close: () => m.close(),
  };
}
