// `lora-studio lora inspect FILE [--json]`: what a LoRA file holds, in our words.
import { statSync } from 'node:fs';
import { SafetensorsFile } from '@lora-studio/onnx';
import { importAdapter, loraSourceOf, type LoraFormat } from '../lora/formats';
import { adapterKindOf, type AdapterKind } from '../adapter/adapter-type';
import { loraParameterCount } from '../lora/adapter';

export interface LoraInspection {
  file: string;
  bytes: number;
  format: LoraFormat;
  /** LoRA pairs, or a LyCORIS LoKr or LoHa. */
  adapter: AdapterKind;
  /** Storage dtypes of the low-rank matrices. */
  dtypes: string[];
  layers: { path: string; inDim: number; outDim: number; rank: number; alpha: number }[];
  ranks: number[];
  alphas: number[];
  parameters: number;
  doubleBlocks: number;
  singleBlocks: number;
  hiddenSize?: number;
  architecture?: string;
  triggerWord?: string;
  metadata: Record<string, string>;
  /** Unusable numbers (NaN/Inf weights, NaN/Inf/zero/negative alpha), by tensor; empty for a usable file. */
  problems: string[];
}

export function loraInspect(args: { file: string }): LoraInspection {
  const file = SafetensorsFile.open(args.file);
  try {
    // Inspect shows what is wrong with a file instead of refusing it: the problems are part of the answer.
    const problems: string[] = [];
    const { adapter, format } = importAdapter(loraSourceOf(file), args.file, { onValueProblem: (p) => problems.push(p) });
    const blocks = (kind: string) => new Set(adapter.layers.map((l) => new RegExp(`^${kind}\\.(\\d+)\\.`).exec(l.path)?.[1]).filter(Boolean)).size;
    return {
      file: args.file,
      bytes: statSync(args.file).size,
      format,
      adapter: adapter.layers[0] ? adapterKindOf(adapter.layers[0]) : 'lora',
      dtypes: [...new Set(file.tensors.filter((t) => !t.name.endsWith('.alpha')).map((t) => t.dtype))],
      layers: adapter.layers.map(({ path, inDim, outDim, rank, alpha }) => ({ path, inDim, outDim, rank, alpha })),
      ranks: [...new Set(adapter.layers.map((l) => l.rank))].sort((a, b) => a - b),
      alphas: [...new Set(adapter.layers.map((l) => l.alpha))].sort((a, b) => a - b),
      parameters: loraParameterCount(adapter),
      doubleBlocks: blocks('double_blocks'),
      singleBlocks: blocks('single_blocks'),
      hiddenSize: adapter.layers.find((l) => l.path.endsWith('.proj') || l.path.endsWith('.linear2'))?.outDim,
      architecture: file.metadata['modelspec.architecture'],
      triggerWord: file.metadata['modelspec.trigger_phrase'],
      metadata: file.metadata,
      problems,
    };
  } finally {
    file.close();
  }
}

export function formatLoraInspection(r: LoraInspection): string {
  const lines = [
    `${r.file} (${(r.bytes / 1e6).toFixed(2)} MB)`,
    `  format:       ${r.format}${r.adapter === 'lora' ? '' : ` ${r.adapter} (LyCORIS keys)`}${r.architecture ? `  (${r.architecture})` : ''}`,
    `  layers:       ${r.layers.length} in ${r.doubleBlocks} double + ${r.singleBlocks} single blocks${r.hiddenSize ? `, hidden size ${r.hiddenSize}` : ''}`,
    `  rank / alpha: ${r.ranks.join(', ')} / ${r.alphas.join(', ')}`,
    `  parameters:   ${r.parameters.toLocaleString('en-US')} (${r.dtypes.join(', ')})`,
  ];
  if (r.triggerWord) lines.push(`  trigger word: ${r.triggerWord}`);
  const keys = Object.keys(r.metadata).filter((k) => k !== 'lora_adapter_metadata' && k !== 'lora_studio.training_config' && k !== 'ss_tag_frequency');
  if (keys.length) lines.push('  metadata:', ...keys.sort().map((k) => `    ${k}: ${r.metadata[k]!.length > 80 ? `${r.metadata[k]!.slice(0, 77)}...` : r.metadata[k]}`));
  if (r.problems.length) {
    lines.push(`  problems:     ${r.problems.length}; no tool can use this file as it is (use another checkpoint, or train again)`);
    lines.push(...r.problems.slice(0, 10).map((p) => `    ${p}`));
    if (r.problems.length > 10) lines.push(`    … and ${r.problems.length - 10} more`);
  }
  return lines.join('\n');
}
