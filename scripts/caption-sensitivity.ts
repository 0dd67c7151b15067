// How much a pretrained base model listens to each part of a caption: the relative change of its predicted
// velocity (same noisy image, same time) when only the named words change. A model that draws what it is told moves
// a lot for a different subject; one that mostly ignores the text barely moves, and a LoRA trained on it leaks into
// every prompt unless preservation teaches it where not to act.
//   npx tsx scripts/caption-sensitivity.ts [MODEL_DIR]   (default: the embedded model)
import { defaultModelDir, flux2ImageIds, flux2TextIds } from '../packages/models/src/index';
import { BasePrediction } from '../packages/trainer/src/base-prediction';
import { loadPixelModel } from '../packages/trainer/src/base-model/pixel-model';

const dir = process.argv[2] ?? defaultModelDir();
const model = await loadPixelModel(dir, { threads: 1 });
const predict = await BasePrediction.create(model, 1);
const pairs: [string, string, string][] = [
  ['another subject', 'strawberry', 'mushroom'],
  ['another subject', 'grinning face', 'red apple'],
  ['trigger phrase added', 'strawberry', 'strawberry, in the style of flt'],
  ['background stated', 'strawberry', 'strawberry on a red background, large, centered'],
  ['empty caption', 'strawberry', ''],
];
const grid = model.encoders.fixedBuckets![0]!;
const side = grid.width / model.encoders.sizeMultiple;
const N = side * side;
const C = model.transformer.inChannels;
let seed = 12345;
const uniform = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const gaussian = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
const norm = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
console.log(`${dir}\nrelative change of the predicted velocity, mean of 8 noise draws per time`);
for (const t of [0.9, 0.6, 0.3]) {
  const cells: string[] = [];
  for (const [what, a, b] of pairs) {
    let sum = 0;
    for (let draw = 0; draw < 8; draw++) {
      const xt = Float32Array.from({ length: N * C }, gaussian);
      const [va, vb] = await Promise.all([a, b].map(async (caption) => {
        const text = await model.encoders.encodeText(caption);
        const T = text.shape[0]!;
        return predict.velocity({ rows: 1, imageTokens: N, textTokens: T, xt, t: [t], imgIds: flux2ImageIds(side, side), txt: text.data, txtIds: flux2TextIds(T) });
      }));
      sum += norm(va!.map((v, i) => v - vb![i]!)) / norm(va!);
    }
    cells.push(`${what} ${(sum / 8).toFixed(3)}`);
  }
  console.log(`t = ${t}: ${cells.join(' · ')}`);
}
await predict.release();
await model.close();
