// Which emoji a pretrained default model draws recognisably from its plain name:
//   npx tsx scripts/default-model-drawable.ts MODEL_DIR OUT.json [--seeds 2] [--steps 20] [--guidance 3] [--exclude-captions DIR]
// Every emoji of the model's corpus is prompted with its name alone (white background, full size: the plain
// examples' caption) for each seed, and judged as the quality gate judges (rank of the prompted emoji among all
// corpus emoji by pixel distance). Prints the share drawn nearest / in the nearest 10 over the whole corpus (a
// steadier figure than the gate's 20 prompts) and the best-drawn names; --exclude-captions leaves out emoji whose
// name a caption file in DIR mentions (the style sample's subjects, which the demo must not use).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDefaultModel } from '../packages/models/src/default-model/default-model';
import { CORPUS_SELECTIONS, EmojiCorpus, type CorpusSelection } from '../packages/models/src/default-model/emoji-corpus';
import { runQualityGate, type GatePrompt } from '../packages/models/src/default-model/quality-gate';
import { PLAIN_PLACEMENT } from '../packages/models/src/default-model/placement';

const { values, positionals } = parseArgs({
  options: { seeds: { type: 'string', default: '2' }, steps: { type: 'string', default: '20' }, guidance: { type: 'string', default: '3' }, 'exclude-captions': { type: 'string' }, batch: { type: 'string', default: '16' } },
  allowPositionals: true,
});
const [modelDir, outFile] = positionals.map((p) => resolve(p));
if (!modelDir || !outFile) { console.error('Usage: npx tsx scripts/default-model-drawable.ts MODEL_DIR OUT.json [--seeds N] [--exclude-captions DIR]'); process.exit(2); }
const seeds = Number(values.seeds);
const batch = Number(values.batch);
if (!Number.isInteger(seeds) || seeds < 1 || !Number.isInteger(batch) || batch < 1) { console.error('--seeds and --batch are whole numbers ≥ 1.'); process.exit(2); }

const model = await loadDefaultModel(modelDir);
const selection = (model.manifest.provenance.corpusSelection ?? 'all') as CorpusSelection;
if (!CORPUS_SELECTIONS.includes(selection)) { console.error(`Unknown corpus selection "${selection}" in model.json.`); process.exit(2); }
const corpus = await EmojiCorpus.load(model.image.size, { selection });
const excludedText = values['exclude-captions']
  ? readdirSync(values['exclude-captions']).filter((f) => f.endsWith('.txt')).map((f) => readFileSync(join(values['exclude-captions']!, f), 'utf8').toLowerCase()).join('\n')
  : '';
const mentioned = (name: string) => excludedText !== '' && new RegExp(`(^|[^a-z])${name.replace(/[^a-z0-9 ]/g, '.')}([^a-z]|$)`, 'm').test(excludedText);

// One prompt per emoji; skin-tone and other comma-named variants are prompted by their full name like the rest.
const prompts: GatePrompt[] = corpus.entries.map((e, emoji) => ({ kind: 'training', emoji, placement: PLAIN_PLACEMENT, caption: e.name }));
const ranks: number[][] = prompts.map(() => []);
const t0 = performance.now();
for (let s = 0; s < seeds; s++) {
  for (let i = 0; i < prompts.length; i += batch) {
    const chunk = prompts.slice(i, i + batch);
    // Each chunk starts from its own seeds (seed + index inside the chunk), the same for every model judged.
    const results = await runQualityGate(model, corpus, chunk, { seed: 1 + s * 100_000 + i, steps: Number(values.steps), guidance: Number(values.guidance) });
    results.forEach((r, j) => ranks[i + j]!.push(r.rank));
  }
  console.log(`seed pass ${s + 1}/${seeds}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
await model.close();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = prompts.map((p, i) => ({ name: p.caption, medianRank: median(ranks[i]!), ranks: ranks[i]!, inStyleSample: mentioned(p.caption) }));
const all = ranks.flat();
const share = (f: (r: number) => boolean) => all.filter(f).length / all.length;
const summary = { emoji: rows.length, samples: all.length, top1: share((r) => r === 1), top10: share((r) => r <= 10), medianRank: median(all) };
const best = rows.filter((r) => !r.inStyleSample).sort((a, b) => a.medianRank - b.medianRank || a.name.localeCompare(b.name));
writeFileSync(outFile, `${JSON.stringify({ model: modelDir, corpus: selection, provenance: model.manifest.provenance, sampling: { seeds, steps: Number(values.steps), guidance: Number(values.guidance) }, summary, emoji: rows }, null, 2)}\n`);
console.log(`${summary.emoji} emoji × ${seeds} seeds, plain name prompts: prompted emoji nearest ${(summary.top1 * 100).toFixed(1)}% (chance ${(100 / rows.length).toFixed(2)}%), ` +
  `in nearest 10 ${(summary.top10 * 100).toFixed(1)}%, median rank ${summary.medianRank} of ${rows.length}`);
console.log(`Best drawn${excludedText ? ' (not in the excluded captions)' : ''}: ${best.slice(0, 40).map((r) => `${r.name} (${r.ranks.join('/')})`).join(', ')}`);
