// Encoded images and captions cached on disk, keyed by content hash + model id + resolution (+ bucket, crop,
// flip): a second run reads them back instead of encoding again; a new resolution or model misses the cache.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSafetensors, serializeSafetensors } from '@lora-studio/onnx';
import { writeFileAtomic } from '@lora-studio/onnx';
import type { Bucket } from './buckets';
import type { DatasetImage } from './dataset';
import type { EncodedTensor, ModelEncoders } from './encoders';
import { loadTrainingImage } from './images';

export interface CacheStats {
  imageHits: number;
  imageEncodes: number;
  textHits: number;
  textEncodes: number;
}

export class EncodingCache {
  readonly stats: CacheStats = { imageHits: 0, imageEncodes: 0, textHits: 0, textEncodes: 0 };
  /** Tag shuffle and dropout revisit the same few texts; keep them in memory too. */
  private readonly texts = new Map<string, EncodedTensor>();

  constructor(
    readonly dir: string,
    private readonly encoders: ModelEncoders,
  ) {}

  async image(image: DatasetImage, bucket: Bucket, resolution: number, flip: boolean): Promise<EncodedTensor> {
    const key = hashKey(['image', image.contentHash, this.encoders.id, resolution, bucket.width, bucket.height, JSON.stringify(image.crop), flip]);
    const path = join(this.dir, 'latents', `${key}.safetensors`);
    const cached = readCached(path);
    if (cached) {
      this.stats.imageHits++;
      return cached;
    }
    const encoded = await this.encoders.encodeImage(await loadTrainingImage(image, bucket, flip));
    this.stats.imageEncodes++;
    writeCached(path, encoded, { image: image.name, model: this.encoders.id, resolution: String(resolution) });
    return encoded;
  }

  async text(caption: string): Promise<EncodedTensor> {
    const memo = this.texts.get(caption);
    if (memo) {
      this.stats.textHits++;
      return memo;
    }
    const key = hashKey(['text', caption, this.encoders.id]);
    const path = join(this.dir, 'text', `${key}.safetensors`);
    let encoded = readCached(path);
    if (encoded) this.stats.textHits++;
    else {
      encoded = await this.encoders.encodeText(caption);
      this.stats.textEncodes++;
      writeCached(path, encoded, { model: this.encoders.id, ...(encoded.tokens !== undefined ? { tokens: String(encoded.tokens) } : {}) });
    }
    this.texts.set(caption, encoded);
    return encoded;
  }
}

function hashKey(parts: (string | number | boolean)[]): string {
  return createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex').slice(0, 40);
}

/** A damaged cache file is treated as missing (it is re-encoded and overwritten). */
function readCached(path: string): EncodedTensor | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const file = parseSafetensors(new Uint8Array(readFileSync(path)), path);
    const info = file.tensors.find((t) => t.name === 'value');
    if (!info || info.dtype !== 'F32') return undefined;
    const bytes = file.tensorBytes('value');
    const data = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(data.buffer).set(bytes);
    const tokens = Number(file.metadata.tokens);
    return { shape: info.shape, data, ...(Number.isInteger(tokens) && tokens > 0 ? { tokens } : {}) };
  } catch {
    return undefined;
  }
}

function writeCached(path: string, t: EncodedTensor, metadata: Record<string, string>): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const data = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  writeFileAtomic(path, serializeSafetensors({ value: { dtype: 'F32', shape: t.shape, data } }, metadata));
}
