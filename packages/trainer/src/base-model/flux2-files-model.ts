// A real FLUX.2 download (a diffusers-layout folder or a lora-studio-model.json naming BFL's single files) adapted
// to what the trainer needs. The transformer is used by reference into its own files; the text encoder and the VAE
// encoder run as engine sessions while captions and images are encoded, then `release` frees them before training.
import { createHash } from 'node:crypto';
import { flux2Family, Flux2Model, imageSizeMultiple, type Flux2ModelDescription, type Flux2ModelFiles } from '@lora-studio/models';
import type { BaseModel } from './base-model';

/** The architecture, profile and image sizes of a FLUX.2 download, from its configs and file headers alone. */
export function flux2FilesShape(files: Flux2ModelFiles, d: Flux2ModelDescription): Pick<BaseModel, 'family' | 'profile'> & { encoders: Pick<BaseModel['encoders'], 'sizeMultiple'> } {
  return {
    // LoRAs trained on it name its real architecture (klein 4B / 9B, dev), which LoRA loaders match on.
    family: flux2Family(files.checkpoint.config, { architecture: d.architecture }),
    // klein base samples with real CFG at 4; dev takes guidance 4 as an input; distilled klein takes 4 steps unguided.
    profile: { nativeResolution: 1024, small: false, sampleGuidance: d.kind.sampleGuidance, sampleSteps: d.kind.training === 'distilled' ? d.kind.sampleSteps : undefined },
    encoders: { sizeMultiple: imageSizeMultiple(files.vae.config) },
  };
}

export async function loadFlux2FilesModel(path: string, options: { threads?: number; maxTokens?: number } = {}): Promise<BaseModel> {
  const m = Flux2Model.open(path, { threads: options.threads, maxTokens: options.maxTokens });
  const c = m.files.checkpoint.config;
  const shape = flux2FilesShape(m.files, m.description);
  const transformerId = createHash('sha256');
  for (const f of m.files.transformerStore.files) transformerId.update(`${f.path}\u0000${f.fileSize}\u0000${f.dataStart}\u0000`);
  return {
    id: `${m.name}@${m.encodersId}${transformerId.digest('hex').slice(0, 8)}`,
    name: m.name,
    dir: m.files.paths.source,
    family: shape.family,
    transformer: c,
    weights: { kind: 'checkpoint', checkpoint: m.files.checkpoint },
    profile: shape.profile,
    encoders: {
      ...shape.encoders,
      id: m.encodersId,
      async encodeImage(image) {
        const tokens = await m.encodeImage(image);
        return { shape: [tokens.length / c.inChannels, c.inChannels], data: tokens };
      },
      async encodeText(caption) {
        const t = await m.encodeText(caption);
        // Qwen3 and Mistral are causal: the rows after the prompt's own tokens are padding a run may cut off.
        return { shape: [t.ids.length, t.contextDim], data: t.context, tokens: t.length };
      },
      release: () => m.releaseEncoders(),
    },
    decodeImage: (tokens, width, height) => m.decodeImage(tokens, width, height),
    close: () => m.close(),
  };
}
