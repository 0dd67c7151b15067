// The other two exports: the training config as readable JSON or TOML (to reproduce or share a run), and the
// dataset as a plain folder of images with a same-name .txt caption each (what kohya, ai-toolkit and our own
// "lora-studio train FOLDER" read).
import { InvalidInputError } from '@lora-studio/api';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { loadDataset, readRunDescription, runPaths, type Dataset } from '@lora-studio/trainer';
import { assertFolderCanBeMade } from '@lora-studio/store';
import { datasetHash } from './export-lora';

export type ConfigFormat = 'json' | 'toml';

function tomlValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : JSON.stringify(String(v));
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  if (v && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${tomlKey(k)} = ${tomlValue(x)}`).join(', ')} }`;
  return '""';
}

function tomlKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k);
}

/** Flat keys first, then one [table] per nested object, as TOML requires. */
export function toToml(obj: Record<string, unknown>, prefix = ''): string {
  const flat = Object.entries(obj).filter(([, v]) => v === null || typeof v !== 'object' || Array.isArray(v));
  const tables = Object.entries(obj).filter(([, v]) => v !== null && typeof v === 'object' && !Array.isArray(v));
  let out = flat.filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v)}\n`).join('');
  for (const [k, v] of tables) {
    const name = prefix ? `${prefix}.${tomlKey(k)}` : tomlKey(k);
    out += `\n[${name}]\n${toToml(v as Record<string, unknown>, name)}`;
  }
  return out;
}

/** The run's config plus where it came from, as `out` (JSON or TOML by `format`). */
export function exportTrainingConfig(runDir: string, format: ConfigFormat, out: string): string {
  const run = readRunDescription(runDir);
  const dataset = loadDataset(run.dataset, { folderCacheDir: runPaths(runDir).cache });
  const doc = { dataset: run.dataset, dataset_hash: datasetHash(dataset), base_model: run.base, created_at: run.createdAt, config: run.config };
  writeFileSync(out, format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : `# LoRA Studio training config\n${toToml(doc)}`);
  return out;
}

/** Every trained image (the user's crop applied) with its caption, into `outDir`, which must be empty or new. */
export async function exportDataset(dataset: Dataset, outDir: string): Promise<{ folder: string; images: number; uncaptioned: number }> {
  assertFolderCanBeMade(outDir);
  mkdirSync(outDir, { recursive: true });
  if (readdirSync(outDir).length > 0) throw new InvalidInputError(`${outDir} is not empty. Choose an empty or new folder for the dataset export.`);
  const used = new Set<string>();
  let uncaptioned = 0;
  for (const image of dataset.images) {
    const ext = extname(image.name).toLowerCase() || '.png';
    let stem = basename(image.name, extname(image.name));
    for (let n = 2; used.has(stem.toLowerCase()); n++) stem = `${basename(image.name, extname(image.name))}-${n}`;
    used.add(stem.toLowerCase());
    if (image.crop) {
      const c = image.crop;
      await sharp(image.path).rotate().extract({ left: Math.round(c.x), top: Math.round(c.y), width: Math.round(c.width), height: Math.round(c.height) }).png().toFile(join(outDir, `${stem}.png`));
    } else {
      copyFileSync(image.path, join(outDir, `${stem}${ext}`));
    }
    if (image.caption === null) uncaptioned++;
    writeFileSync(join(outDir, `${stem}.txt`), `${image.caption ?? ''}\n`);
  }
  return { folder: outDir, images: dataset.images.length, uncaptioned };
}
