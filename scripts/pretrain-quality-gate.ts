// Quality gate of a pretrained default model:
//   npx tsx scripts/pretrain-quality-gate.ts MODEL_DIR OUT_DIR [--guidance 3] [--steps 20] [--start 1] [--seen-steps N] [--corpus all|everyday]
//     [--prompt-seed S] [--training-prompts 20] [--unseen-rounds 1]
// --prompt-seed picks the prompts as a run with that seed saw its captions (default: the model's own seed), so runs
// pretrained with different seeds can be compared on the same prompts. --training-prompts and --unseen-rounds make
// the gate larger (each round: one more unseen placement for each of the 20 well-known names); the defaults are the
// prompts of every figure in the model's README, where one prompt is 5 points.
// --seen-steps takes the training captions from the first N steps of the run instead of all the model's steps, so two
// models (before/after, or checkpoints of one run) are judged on the very same prompts. --corpus judges against another
// emoji selection than the model's own (model.json's corpusSelection), e.g. a model of all emoji on the everyday ones.
// Writes OUT_DIR/quality-grid.png (rows of 10: samples, then the corpus emoji drawn as prompted, alternating),
// OUT_DIR/quality-gate.json (per prompt: caption, rank of the prompted emoji, nearest emoji, background) and prints the summary.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadDefaultModel } from '../packages/models/src/default-model/default-model';
import { CORPUS_SELECTIONS, EmojiCorpus, type CorpusSelection } from '../packages/models/src/default-model/emoji-corpus';
import { gatePrompts, runQualityGate, summarizeGate } from '../packages/models/src/default-model/quality-gate';
import type { RgbImage } from '../packages/models/src/default-model/pixels';

const { values, positionals } = parseArgs({ options: { guidance: { type: 'string', default: '3' }, steps: { type: 'string', default: '20' }, start: { type: 'string', default: '1' }, 'seen-steps': { type: 'string' }, corpus: { type: 'string' }, 'prompt-seed': { type: 'string' }, 'training-prompts': { type: 'string', default: '20' }, 'unseen-rounds': { type: 'string', default: '1' } }, allowPositionals: true });
const [modelDir, outDir] = positionals.map((p) => resolve(p));
if (!modelDir || !outDir) { console.error('Usage: npx tsx scripts/pretrain-quality-gate.ts MODEL_DIR OUT_DIR [--guidance G] [--steps N]'); process.exit(2); }
const guidance = Number(values.guidance);
const steps = Number(values.steps);
const startTime = Number(values.start);
mkdirSync(outDir, { recursive: true });
const model = await loadDefaultModel(modelDir);
const selection = values.corpus ?? model.manifest.provenance.corpusSelection ?? 'all';
if (!CORPUS_SELECTIONS.includes(selection as CorpusSelection)) { console.error(`--corpus must be ${CORPUS_SELECTIONS.join(' or ')} (got "${selection}").`); process.exit(2); }
const corpus = await EmojiCorpus.load(model.image.size, { selection: selection as CorpusSelection });
const p = model.manifest.provenance;
const batch = Number(/batch (\d+)/.exec(p.corpus)?.[1] ?? 16);
const seenSteps = values['seen-steps'] === undefined ? p.steps : Number(values['seen-steps']);
if (!Number.isInteger(seenSteps) || seenSteps <= 0) { console.error(`--seen-steps must be a whole number > 0 (got "${values['seen-steps']}").`); process.exit(2); }
const promptSeed = values['prompt-seed'] === undefined ? p.seed : Number(values['prompt-seed']);
if (!Number.isSafeInteger(promptSeed)) { console.error(`--prompt-seed must be a whole number (got "${values['prompt-seed']}").`); process.exit(2); }
const gateSize = { training: Number(values['training-prompts']), unseenRounds: Number(values['unseen-rounds']) };
if (!Number.isInteger(gateSize.training) || gateSize.training < 1 || !Number.isInteger(gateSize.unseenRounds) || gateSize.unseenRounds < 0) {
  console.error('--training-prompts must be a whole number ≥ 1 and --unseen-rounds one ≥ 0.');
  process.exit(2);
}
const prompts = gatePrompts(corpus, promptSeed, seenSteps * batch, gateSize);
const t0 = performance.now();
const results = await runQualityGate(model, corpus, prompts, { seed: 1000, steps, guidance, startTime });
const seconds = (performance.now() - t0) / 1000;
await model.close();

const cell = 64;
const cols = 10;
const tile = async (img: RgbImage) => sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).resize(cell, cell, { kernel: 'nearest' }).png().toBuffer();
const layers: sharp.OverlayOptions[] = [];
for (const [i, r] of results.entries()) {
  const row = Math.floor(i / cols) * 2;
  layers.push({ input: await tile(r.sample), left: (i % cols) * cell, top: row * cell });
  layers.push({ input: await tile(corpus.draw(r.prompt.emoji, r.prompt.placement)), left: (i % cols) * cell, top: (row + 1) * cell });
}
const rows = Math.ceil(results.length / cols) * 2;
await sharp({ create: { width: cols * cell, height: rows * cell, channels: 3, background: '#808080' } }).composite(layers).png().toFile(join(outDir, 'quality-grid.png'));
const summary = summarizeGate(results, corpus);
writeFileSync(join(outDir, 'quality-gate.json'), `${JSON.stringify({
  model: modelDir, corpus: selection, provenance: p, sampling: { seed: 1000, steps, guidance, startTime }, seenSteps, promptSeed, gateSize, samplingSeconds: Math.round(seconds), summary,
  prompts: results.map((r) => ({ kind: r.prompt.kind, caption: r.prompt.caption, rank: r.rank, nearest: r.nearestName, background: r.background })),
}, null, 2)}\n`);
for (const s of summary) {
  console.log(`${s.kind}: ${s.prompts} prompts; prompted emoji nearest ${(s.top1 * 100).toFixed(0)}% (chance ${(s.chanceTop1 * 100).toFixed(3)}%), ` +
    `in nearest 10 ${(s.top10 * 100).toFixed(0)}% (chance ${(s.chanceTop10 * 100).toFixed(2)}%), same base name ${(s.top1BaseName * 100).toFixed(0)}%, median rank ${s.medianRank} of ${corpus.entries.length}, ` +
    `background right ${(s.background * 100).toFixed(0)}% (chance ${(s.chanceBackground * 100).toFixed(0)}%)`);
}
console.log(`Sampling ${results.length} prompts × ${steps} steps (guidance ${guidance}, start t ${startTime}) took ${seconds.toFixed(0)} s. Grid: ${join(outDir, 'quality-grid.png')}`);
