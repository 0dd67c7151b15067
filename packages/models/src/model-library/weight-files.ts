// What a component's safetensors files hold, from their headers only (never the weights): parameter count,
// storage precision and bytes, and which files an index promises but the folder lacks. A multi-GB shard costs
// one small read here, so the Models screen can describe a model the moment it is added.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SafetensorsFile } from '@lora-studio/onnx';

export interface WeightSummary {
  parameters: number;
  /** Storage types by how many parameters use them, most first: ['BF16', 'F32']. */
  precision: string[];
  bytes: number;
  /** Problems in words, one per file: "transformer/model-00002-of-00002.safetensors is missing". */
  problems: string[];
  /** Tensor name → shape, for the callers that read a model's size from its shapes (BFL single files). */
  shapes: Map<string, number[]>;
}

/** Summarise the given safetensors files; `root` only shortens the names in problems. */
export function summariseWeightFiles(files: string[], root: string): WeightSummary {
  const byDtype = new Map<string, number>();
  const shapes = new Map<string, number[]>();
  const problems: string[] = [];
  let parameters = 0;
  let bytes = 0;
  for (const file of files) {
    const name = relative(root, file) || file;
    if (!existsSync(file)) {
      problems.push(`${name} is missing`);
      continue;
    }
    let opened: SafetensorsFile | undefined;
    try {
      opened = SafetensorsFile.open(file);
      bytes += opened.fileSize;
      for (const t of opened.tensors) {
        const count = t.shape.reduce((a, b) => a * b, 1);
        parameters += count;
        byDtype.set(t.dtype, (byDtype.get(t.dtype) ?? 0) + count);
        shapes.set(t.name, t.shape);
      }
    } catch (error) {
      problems.push(`${name} cannot be read (${(error as Error).message})`);
    } finally {
      opened?.close();
    }
  }
  const precision = [...byDtype.entries()].sort((a, b) => b[1] - a[1]).map(([d]) => d);
  return { parameters, precision, bytes, problems, shapes };
}

/**
 * The weight files of a diffusers component folder: the shards its `*.safetensors.index.json` names (so a missing
 * shard is reported), else every `.safetensors` file in it.
 */
export function componentWeightFiles(dir: string): { files: string[]; problems: string[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return { files: [], problems: [] };
  const entries = readdirSync(dir);
  const index = entries.find((f) => f.endsWith('.safetensors.index.json'));
  if (index) {
    try {
      const parsed = JSON.parse(readFileSync(join(dir, index), 'utf8')) as { weight_map?: Record<string, unknown> };
      const shards = [...new Set(Object.values(parsed.weight_map ?? {}).filter((v): v is string => typeof v === 'string'))].sort();
      if (shards.length > 0) return { files: shards.map((s) => join(dir, s)), problems: [] };
    } catch {
      return { files: [], problems: [`${index} is not valid JSON (re-download it)`] };
    }
  }
  return { files: entries.filter((f) => f.endsWith('.safetensors')).sort().map((f) => join(dir, f)), problems: [] };
}
