// Face descriptors (face-api's 128-d recognition embedding, WebAssembly backend, weights from the package) for
// subject projects of people: "is this the same person?" is a question about faces, not colours.
import { UnavailableError } from '@lora-studio/api';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '@lora-studio/trainer';

type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.node-wasm.js');
const require = createRequire(import.meta.url);

/** The detector misses faces in tiny images; smaller ones are enlarged to this side first. */
const MIN_SIDE = 256;
/** face-api's own rule of thumb: descriptors closer than 0.6 are the same person; 1.2 is "nothing alike". */
const FAR = 1.2;

let loading: Promise<FaceApi> | undefined;

function loadFaceApi(): Promise<FaceApi> {
  loading ??= (async () => {
    const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    const api = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm'))) throw new UnavailableError('The WebAssembly backend for face descriptors did not start.');
    await tf.ready();
    const models = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
    await api.nets.ssdMobilenetv1.loadFromDisk(models);
    await api.nets.faceLandmark68Net.loadFromDisk(models);
    await api.nets.faceRecognitionNet.loadFromDisk(models);
    return api;
  })();
  return loading;
}

export const FaceDescriptors = {
  /** The descriptor of the most confident face in each image; null where no face is found. */
  async describeAll(images: RgbImage[]): Promise<(Float32Array | null)[]> {
    const api = await loadFaceApi();
    const out: (Float32Array | null)[] = [];
    for (const image of images) {
      let { data, width, height } = image;
      if (Math.max(width, height) < MIN_SIDE) {
        const f = MIN_SIDE / Math.max(width, height);
        width = Math.round(width * f);
        height = Math.round(height * f);
        data = new Uint8Array(await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).resize(width, height).raw().toBuffer());
      }
      const input = api.tf.tensor3d(data, [height, width, 3], 'int32');
      try {
        const face = await api.detectSingleFace(input as never).withFaceLandmarks().withFaceDescriptor();
        out.push(face ? face.descriptor : null);
      } finally {
        input.dispose();
      }
    }
    return out;
  },

  /** 1 = the same face, 0 = unrelated faces or a face missing (the subject was lost). */
  similarity(a: Float32Array | null, b: Float32Array | null): number {
    if (!a || !b) return 0;
    let d = 0;
    for (let i = 0; i < a.length; i++) d += (a[i]! - b[i]!) ** 2;
    return 1 - Math.min(Math.sqrt(d), FAR) / FAR;
  },
};
