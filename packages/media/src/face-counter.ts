import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { THRESHOLDS } from './thresholds';

type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.node-wasm.js');
type Tfjs = typeof import('@tensorflow/tfjs');
type TfjsWasm = typeof import('@tensorflow/tfjs-backend-wasm');

const require = createRequire(import.meta.url);

/** Raw upright RGB pixels. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * The detector looks at a 512×512 input; a larger image only costs decode time. Callers resize to this long side.
 */
export const FACE_INPUT_SIZE = 512;

/**
 * Counts faces with face-api's SSD MobileNet v1 detector on TensorFlow.js's WebAssembly backend. The weights ship in
 * the package's model/ folder and the .wasm files in tfjs-backend-wasm, so nothing is downloaded. SSD rather than
 * the tiny detector: it is ~4× slower but misses far fewer faces in group photos, and a missed face is a wrong flag.
 */
export class FaceCounter {
  private constructor(private readonly api: FaceApi) {}

  /** Loads the backend and the detector weights (about a second; do it once per thread). */
  static async create(): Promise<FaceCounter> {
    // face-api's node-wasm build runs on these same two module instances.
    const tf = require('@tensorflow/tfjs') as Tfjs;
    const wasm = require('@tensorflow/tfjs-backend-wasm') as TfjsWasm;
    const api = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('The WebAssembly backend for face detection did not start.');
    await tf.ready();
    await api.nets.ssdMobilenetv1.loadFromDisk(join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model'));
    return new FaceCounter(api);
  }

  async count(image: RgbImage): Promise<number> {
    const { tf } = this.api;
    const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      const faces = await this.api.detectAllFaces(input, new this.api.SsdMobilenetv1Options({ minConfidence: THRESHOLDS.faces.minConfidence }));
      return faces.length;
    } finally {
      input.dispose();
    }
  }
}
