// Which Linear layers get a LoRA: named presets or a custom list (docs/flux2.md §LoRA targets).
import type { Flux2Config } from '../flux2/config';
import { flux2LinearLayers, type LinearLayer, type LinearRole } from '../flux2/weights';

export const LORA_TARGET_PRESETS = {
  // qkv and output projections of both streams, plus the single blocks' fused qkv+MLP input.
  attention: ['attn-qkv', 'attn-proj', 'single-linear1'],
  // Every Linear inside the blocks; modulation, embedders and the final layer stay frozen.
  'all-linear': ['attn-qkv', 'attn-proj', 'mlp-in', 'mlp-out', 'single-linear1', 'single-linear2'],
} satisfies Record<string, LinearRole[]>;

export type LoraTargetPreset = keyof typeof LORA_TARGET_PRESETS;

/**
 * A preset name, or a custom list of BFL module paths. A custom entry may use `*` for a block index
 * ("double_blocks.*.img_attn.qkv") or give only the part after the block index ("img_attn.qkv", "linear2").
 */
export type LoraTargets = LoraTargetPreset | readonly string[];

export function loraTargetLayers(config: Flux2Config, targets: LoraTargets): LinearLayer[] {
  const all = flux2LinearLayers(config);
  if (typeof targets === 'string') {
    if (!Object.hasOwn(LORA_TARGET_PRESETS, targets)) {
      throw new Error(`Unknown LoRA target preset "${targets}". Use ${Object.keys(LORA_TARGET_PRESETS).join(' or ')}, or a list of layer names.`);
    }
    const roles = new Set<LinearRole>(LORA_TARGET_PRESETS[targets as LoraTargetPreset]);
    return all.filter((l) => roles.has(l.role));
  }
  const chosen = new Set<string>();
  for (const entry of targets) {
    const pattern = new RegExp(`^(?:${entry.split('*').map(escapeRegExp).join('\\d+')}|(?:double_blocks|single_blocks)\\.\\d+\\.${escapeRegExp(entry)})$`);
    const hits = all.filter((l) => pattern.test(l.path));
    if (!hits.length) {
      const examples = ['img_attn.qkv', 'txt_mlp.0', 'linear1', 'double_blocks.*.img_attn.proj', 'single_blocks.3.linear2'];
      throw new Error(`LoRA target "${entry}" matches no Linear layer of this model. Use BFL layer names such as ${examples.join(', ')}.`);
    }
    for (const h of hits) chosen.add(h.path);
  }
  return all.filter((l) => chosen.has(l.path));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
