// `lora-studio model encode-text | encode-image | decode`: the text encoder and VAE of a FLUX.2 download, one call
// each, writing safetensors — for scripts and for checking parity with other implementations.
import { writeSafetensorsFile, fromFloat32, SafetensorsFile, toFloat32 } from '@lora-studio/onnx';
import type { RgbImage } from '../default-model/pixels';
import { Flux2Model } from '../flux2-model/flux2-model';

const f32 = (shape: number[], data: Float32Array) => ({ dtype: 'F32' as const, shape, data: fromFloat32('F32', data) });

/** input_ids [T] int64 and context [T, D] float32, T the padded length (padding on the right). */
export async function encodeTextToFile(model: string, prompt: string, out: string, options: { threads?: number } = {}): Promise<{ tokens: number; contextDim: number; truncated: boolean }> {
  const m = Flux2Model.open(model, options);
  try {
    const t = await m.encodeText(prompt);
    const ids = new Uint8Array(BigInt64Array.from(t.ids.map(BigInt)).buffer);
    writeSafetensorsFile(out, { input_ids: { dtype: 'I64', shape: [t.ids.length], data: ids }, context: f32([t.ids.length, t.contextDim], t.context) }, { producer: 'lora-studio model encode-text' });
    return { tokens: t.length, contextDim: t.contextDim, truncated: t.truncated };
  } finally {
    await m.close();
  }
}

/** latent [C, H/8, W/8] (encoder mean) and tokens [N, 4C] (normalised 2×2 patches, row-major token order). */
export async function encodeImageToFile(model: string, image: RgbImage, out: string, options: { threads?: number } = {}): Promise<{ latent: number[]; tokens: number[] }> {
  const m = Flux2Model.open(model, options);
  try {
    const latent = await m.encodeLatent(image);
    const tokens = await m.encodeImage(image);
    const latentShape = [latent.channels, latent.height, latent.width];
    const tokenShape = [tokens.length / (4 * latent.channels), 4 * latent.channels];
    writeSafetensorsFile(out, { latent: f32(latentShape, latent.data), tokens: f32(tokenShape, tokens) }, { producer: 'lora-studio model encode-image' });
    return { latent: latentShape, tokens: tokenShape };
  } finally {
    await m.close();
  }
}

/** A `latent` tensor [C, h, w] (as encode-image writes it) to 8-bit RGB. */
export async function decodeLatentFile(model: string, latentFile: string, options: { threads?: number } = {}): Promise<RgbImage> {
  const file = SafetensorsFile.open(latentFile);
  let latent: { channels: number; height: number; width: number; data: Float32Array };
  try {
    if (!file.has('latent')) throw new Error(`${latentFile} has no "latent" tensor; write one with "lora-studio model encode-image".`);
    const info = file.info('latent');
    if (info.shape.length !== 3) throw new Error(`${latentFile}: "latent" is [${info.shape}], expected [channels, height, width].`);
    const [channels, height, width] = info.shape as [number, number, number];
    latent = { channels, height, width, data: toFloat32(info.dtype, file.readBytes('latent')) };
  } finally {
    file.close();
  }
  const m = Flux2Model.open(model, options);
  try {
    if (latent.channels !== m.latentChannels) throw new Error(`${latentFile}: "latent" has ${latent.channels} channels, but ${m.name}'s VAE takes ${m.latentChannels}.`);
    return await m.decodeLatent(latent);
  } finally {
    await m.close();
  }
}
