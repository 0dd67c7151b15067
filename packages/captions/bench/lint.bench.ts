// How fast the caption tools are on a large dataset: the per-keystroke lint must stay well under a frame (16 ms).
// Run: npx tsx packages/captions/bench/lint.bench.ts [captions]
import { datasetFacts, lintCaption, lintCaptions, planBatch } from '../src/common';

const count = Number(process.argv[2] ?? 1000);
const pick = <T>(xs: T[], i: number) => xs[i % xs.length]!;
const places = ['in a park', 'at the beach', 'in a cafe', 'on a city street at night', 'in a library', 'in a kitchen'];
const actions = ['smiling', 'reading a book', 'walking a dog', 'drinking coffee', 'looking at the camera'];
const lights = ['warm afternoon light', 'soft window light', 'neon light', 'overcast daylight'];
const captions = Array.from({ length: count }, (_, i) => ({
  imageId: i + 1,
  text: `a photo of sks person with red hair ${pick(actions, i)} ${pick(places, i * 7)}, ${pick(lights, i * 3)}, wearing a ${pick(['blue', 'green', 'black'], i)} jacket`,
}));
const settings = { trigger: 'sks', type: 'subject' as const };

function time(label: string, runs: number, fn: () => unknown) {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn();
  console.log(`${label}: ${((performance.now() - t0) / runs).toFixed(2)} ms`);
}

time(`whole-project lint, ${count} captions`, 5, () => lintCaptions(captions, settings));
const facts = datasetFacts(captions, settings);
time('one caption while typing (facts precomputed)', 2000, () => lintCaption(captions[17]!, settings, facts));
time(`find/replace preview over ${count} captions`, 20, () =>
  planBatch({ kind: 'replace', find: 'red hair', replace: 'auburn hair', regex: false, caseSensitive: false, wholeWord: true }, captions, settings),
);
