// A real FLUX.2 model folder (model.json + transformer checkpoint + ONNX text encoder and VAE; see
// packages/models/src/encoders/README.md) adapted to what the trainer needs.
import { loadOnnxBaseModel } from '@lora-studio/models';
import type { BaseModel } from './base-model';

export async function loadOnnxModel(dir: string, options: { threads?: number } = {}): Promise<BaseModel> {
  const m = await loadOnnxBaseModel(dir, { threads: options.threads });
  const manifest = m.folder.manifest;
  return {
    id: m.id,
    name: m.name,
    dir: m.folder.dir,
    transformer: m.config,
    // By reference: the graphs read the checkpoint's own bytes, in their stored precision.
    weights: { kind: 'checkpoint', checkpoint: m.checkpoint },
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
