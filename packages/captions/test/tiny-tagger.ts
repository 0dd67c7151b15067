import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { intAttribute, intsAttribute, model, node, tensor, valueInfo } from './onnx-protobuf';

/**
 * A WD-1.4-shaped tagger small enough to write by hand: input "input_1:0" [batch, 8, 8, 3] BGR 0..255,
 * output "predictions_sigmoid" [batch, tags]. Score = sigmoid(mean channel colour · W + b), so a red image
 * scores "red_theme" ≈ 1 and "blue_theme" ≈ 0, and the constant tags sit at known scores.
 */
export const TINY_TAGS: { name: string; category: number; bgrWeights: [number, number, number]; bias: number }[] = [
  { name: 'general', category: 9, bgrWeights: [0, 0, 0], bias: 10 }, // a rating: always high, never written
  { name: 'red_theme', category: 0, bgrWeights: [0, 0, 1 / 8], bias: -16 },
  { name: 'blue_theme', category: 0, bgrWeights: [1 / 8, 0, 0], bias: -16 },
  { name: 'long_hair', category: 0, bgrWeights: [0, 0, 0], bias: 0 }, // 0.5
  { name: 'some_character', category: 4, bgrWeights: [0, 0, 0], bias: Math.log(0.6 / 0.4) }, // 0.6
  { name: '^_^', category: 0, bgrWeights: [0, 0, 0], bias: 1 }, // 0.731
];

export function writeTinyTagger(dir: string, opts: { tags?: typeof TINY_TAGS; csvTags?: typeof TINY_TAGS } = {}): string {
  const tags = opts.tags ?? TINY_TAGS;
  mkdirSync(dir, { recursive: true });
  const w: number[] = [];
  for (let c = 0; c < 3; c++) for (const t of tags) w.push(t.bgrWeights[c]!);
  const bytes = model({
    inputs: [valueInfo('input_1:0', ['batch', 8, 8, 3])],
    outputs: [valueInfo('predictions_sigmoid', ['batch', tags.length])],
    initializers: [tensor('W', [3, tags.length], w), tensor('B', [tags.length], tags.map((t) => t.bias))],
    nodes: [
      node('ReduceMean', ['input_1:0'], ['mean'], [intsAttribute('axes', [1, 2]), intAttribute('keepdims', 0)]),
      node('MatMul', ['mean', 'W'], ['logits0']),
      node('Add', ['logits0', 'B'], ['logits']),
      node('Sigmoid', ['logits'], ['predictions_sigmoid']),
    ],
  });
  writeFileSync(join(dir, 'model.onnx'), bytes);
  const csv = ['tag_id,name,category,count', ...(opts.csvTags ?? tags).map((t, i) => `${1000 + i},${t.name},${t.category},${500 - i}`)];
  writeFileSync(join(dir, 'selected_tags.csv'), csv.join('\n') + '\n');
  return dir;
}
