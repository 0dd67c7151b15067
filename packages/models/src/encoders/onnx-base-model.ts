// Open a real FLUX.2 model folder (model.json + checkpoint + ONNX encoders): checks everything, all problems
// at once, then gives the transformer checkpoint (headers only), its config and the encoders.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ProviderName } from '@lora-studio/onnx';
import { openFlux2Checkpoint, type Flux2Checkpoint } from '../flux2/checkpoint';
import type { Flux2Config } from '../flux2/config';
import { openFlux2Encoders, type Flux2Encoders } from './flux2-encoders';
import { OnnxModelFolderError, readOnnxModelFolder, type OnnxModelFolder } from './model-folder';

export interface OnnxBaseModel {
  folder: OnnxModelFolder;
  name: string;
  /** Fingerprint of every file: part of cache keys and checkpoints. */
  id: string;
  /** Fingerprint of the encoder files and settings only: latents and text embeddings survive a new transformer. */
  encodersId: string;
  config: Flux2Config;
  checkpoint: Flux2Checkpoint;
  encoders: Flux2Encoders;
  close(): Promise<void>;
}

export async function loadOnnxBaseModel(dir: string, options: { threads?: number; providers?: readonly ProviderName[] } = {}): Promise<OnnxBaseModel> {
  const folder = readOnnxModelFolder(dir);
  let checkpoint: Flux2Checkpoint;
  try {
    checkpoint = openFlux2Checkpoint(folder.files.transformer, { config: folder.config });
  } catch (e) {
    throw new OnnxModelFolderError(folder.dir, [`the transformer checkpoint ${folder.files.transformer}: ${(e as Error).message}`]);
  }
  const config = checkpoint.config;
  let encoders: Flux2Encoders;
  try {
    encoders = await openFlux2Encoders(folder, { contextDim: config.contextDim, tokenChannels: config.inChannels, ...options });
  } catch (e) {
    checkpoint.close();
    throw e;
  }
  const manifest = readFileSync(join(folder.dir, 'model.json'));
  const { files } = folder;
  const encodersId = fingerprint([manifest], [files.textEncoder, files.vocab, files.vaeEncoder, files.vaeDecoder, files.vaeStats]);
  return {
    folder, config, checkpoint, encoders, encodersId,
    name: folder.manifest.name,
    id: `${folder.manifest.name}@${fingerprint([Buffer.from(encodersId)], [files.transformer])}`,
    async close() {
      checkpoint.close();
      await encoders.close();
    },
  };
}

const SAMPLE = 1 << 20;

/**
 * Size + first and last MiB of each file (ONNX graphs, safetensors headers and tensor tails): reading whole
 * multi-GB files just to name them would take minutes, and a re-export changes these bytes.
 */
function fingerprint(extra: Uint8Array[], paths: string[]): string {
  const hash = createHash('sha256');
  for (const e of extra) hash.update(e);
  const all = paths.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).sort().map((f) => join(p, f)).filter((f) => statSync(f).isFile()) : [p]));
  for (const path of all) {
    const size = statSync(path).size;
    hash.update(`${basename(path)}\u0000${size}\u0000`);
    const fd = openSync(path, 'r');
    try {
      for (const at of size > 2 * SAMPLE ? [0, size - SAMPLE] : [0]) {
        const buf = Buffer.alloc(Math.min(size, size > 2 * SAMPLE ? SAMPLE : size));
        readSync(fd, buf, 0, buf.length, at);
        hash.update(buf);
      }
    } finally {
      closeSync(fd);
    }
  }
  return hash.digest('hex').slice(0, 16);
}
