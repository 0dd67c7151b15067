import { createSession, Graph, hostTensor, serializeGraph } from '@lora-studio/onnx';
import { loadDefaultModel } from './packages/models/src/default-model/default-model';
import { EmojiCorpus } from './packages/models/src/default-model/emoji-corpus';
import { patchify } from './packages/models/src/default-model/patchify';
import { buildFlux2 } from './packages/models/src/flux2/graph';
import { addFlux2Weights } from './packages/models/src/flux2/graph-weights';
import { flux2WeightSpecs } from './packages/models/src/flux2/weights';
import { flux2ImageIds, flux2TextIds } from './packages/models/src/flux2/positions';
import { SeededRandom } from './packages/models/src/random';
const m = await loadDefaultModel('/tmp/gate-model', { threads: 1 });
const corpus = await EmojiCorpus.load(32, { limit: 100 });
const c = m.config; const N = 64, C = 48, T = 40, B = 16;
const g = new Graph('dbg');
const img = g.input('img', 'float32', [B, N, C]);
const txt = g.input('txt', 'float32', [B, T, c.contextDim]);
const timesteps = g.input('timesteps', 'float32', [B]);
const imgIds = g.input('img_ids', 'float32', [B, N, 4]);
const txtIds = g.input('txt_ids', 'float32', [B, T, 4]);
const w = addFlux2Weights(g, c, 'float32', { kind: 'dense', weights: Object.fromEntries(flux2WeightSpecs(c).map((s) => [s.name, { shape: [...s.shape], data: m.transformerWeights[s.name]! }])) });
g.output(buildFlux2(g, { img, imgIds, txt, txtIds, timesteps }, { config: c, weights: w }), 'v');
const s = await createSession(serializeGraph(g), { providers: ['cpu'], threads: 1 });
const rep = (a: Float32Array) => { const o = new Float32Array(a.length * B); for (let b = 0; b < B; b++) o.set(a, b * a.length); return o; };
const exs = Array.from({ length: B }, (_, i) => corpus.example(i * 5, 1));
const ctx = await m.encodeText(exs.map((e) => e.caption));
const x0 = new Float32Array(B * N * C); exs.forEach((e, i) => x0.set(patchify(e.image, m.image), i * N * C));
const noise = new SeededRandom(5).fillNormal(new Float32Array(x0.length)) as Float32Array;
for (const t of [0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 1.0]) {
  const xt = x0.map((v, i) => (1 - t) * v + t * noise[i]!);
  const { outputs } = await s.run({ img: hostTensor('float32', [B, N, C], xt), txt: hostTensor('float32', [B, T, c.contextDim], ctx.context), timesteps: hostTensor('float32', [B], new Float32Array(B).fill(t)), img_ids: hostTensor('float32', [B, N, 4], rep(flux2ImageIds(8, 8))), txt_ids: hostTensor('float32', [B, T, 4], rep(flux2TextIds(T))) });
  const v = outputs.v!.data as Float32Array;
  let loss = 0, x0err = 0; for (let i = 0; i < v.length; i++) { loss += (v[i]! - (noise[i]! - x0[i]!)) ** 2; const x0hat = xt[i]! - t * v[i]!; x0err += (x0hat - x0[i]!) ** 2; }
  console.log('t', t, 'v-loss', (loss / v.length).toFixed(3), 'x0-err', (x0err / v.length).toFixed(3));
}
import sharp from 'sharp';
import { floatToBytes, unpatchify } from './packages/models/src/default-model/patchify';
const tiles: sharp.OverlayOptions[] = [];
for (const [row, t] of [0.999, 0.7, 0.4].entries()) {
  const xt = x0.map((v, i) => (1 - t) * v + t * noise[i]!);
  const { outputs } = await s.run({ img: hostTensor('float32', [B, N, C], xt), txt: hostTensor('float32', [B, T, c.contextDim], ctx.context), timesteps: hostTensor('float32', [B], new Float32Array(B).fill(t)), img_ids: hostTensor('float32', [B, N, 4], rep(flux2ImageIds(8, 8))), txt_ids: hostTensor('float32', [B, T, 4], rep(flux2TextIds(T))) });
  const v = outputs.v!.data as Float32Array;
  const x0hat = xt.map((x, i) => x - t * v[i]!);
  for (let b = 0; b < 8; b++) {
    const im = floatToBytes(unpatchify(x0hat.slice(b * N * C, (b + 1) * N * C), m.image));
    tiles.push({ input: await sharp(im.data, { raw: { width: 32, height: 32, channels: 3 } }).resize(64, 64, { kernel: 'nearest' }).png().toBuffer(), left: b * 64, top: row * 64 });
  }
}
for (let b = 0; b < 8; b++) tiles.push({ input: await sharp(exs[b]!.image.data, { raw: { width: 32, height: 32, channels: 3 } }).resize(64, 64, { kernel: 'nearest' }).png().toBuffer(), left: b * 64, top: 3 * 64 });
await sharp({ create: { width: 512, height: 256, channels: 3, background: '#888' } }).composite(tiles).png().toFile('/tmp/x0hat.png');
console.log(exs.slice(0, 8).map((e) => e.caption));
