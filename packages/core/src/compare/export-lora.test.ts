import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportLora, loadLora, loraDelta, type LoraAdapter } from '@lora-studio/models';
import { parseSafetensors } from '@lora-studio/onnx';
import { FolderNotCreatableError } from '@lora-studio/store';
import { checkpointAt, checkpointLora } from './checkpoint-lora';
import { exportDataset, exportTrainingConfig } from './export-extras';
import { bestStep, exportCheckpoint, previewExport } from './export-lora';
import { scoresPath } from './scores';
import { loadDataset, readRunDescription } from '@lora-studio/trainer';
import { tinyRun } from './test-runs';

let root: string;
let runDir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ls-export-'));
  runDir = await tinyRun(root);
}, 60_000);

const KEY_PATTERNS = {
  peft: /^transformer\.(transformer_blocks|single_transformer_blocks)\.\d+\.[a-z_.0-9]+\.lora_[AB]\.weight$/,
  bfl: /^diffusion_model\.(double_blocks|single_blocks)\.\d+\.[a-z_.0-9]+\.lora_[AB]\.weight$/,
  kohya: /^lora_unet_(double_blocks|single_blocks)_\d+_[a-z_0-9]+\.(lora_down\.weight|lora_up\.weight|alpha)$/,
} as const;

function deltas(adapter: LoraAdapter): Map<string, Float64Array> {
  return new Map(adapter.layers.map((l) => [l.path, loraDelta(l)]));
}

describe('LoRA export', () => {
  for (const format of ['peft', 'bfl', 'kohya'] as const) {
    it(`${format}: re-import gives identical effective weight deltas (fp32), conventional keys and metadata`, () => {
      const out = join(root, `step4-${format}.safetensors`);
      const r = exportCheckpoint({ runDir, step: 4, format, out, precision: 'fp32' });
      const original = deltas(checkpointLora(checkpointAt(runDir, 4).path).adapter);
      const back = loadLora(out);
      expect(back.format).toBe(format);
      const reread = deltas(back.adapter);
      expect([...reread.keys()].sort()).toEqual([...original.keys()].sort());
      for (const [path, d] of original) {
        const e = reread.get(path)!;
        let worst = 0;
        for (let i = 0; i < d.length; i++) worst = Math.max(worst, Math.abs(e[i]! - d[i]!));
        expect(worst).toBeLessThan(1e-6);
      }
      const file = parseSafetensors(new Uint8Array(readFileSync(out)), out);
      const keys = file.tensors.map((t) => t.name);
      expect(keys.length).toBe(r.keyCount);
      for (const k of keys) expect(k).toMatch(KEY_PATTERNS[format]);
      if (format !== 'kohya') expect(keys.some((k) => k.endsWith('.alpha'))).toBe(false);
      const m = file.metadata;
      expect(m['modelspec.sai_model_spec']).toBe('1.0.0');
      expect(m['modelspec.architecture']).toBe('LoRA-Studio/tiny-test-model/lora');
      expect(m['modelspec.trigger_phrase']).toBe('sks');
      expect(m.ss_steps).toBe('4');
      expect(m.ss_resolution).toBe('(16, 16)');
      expect(JSON.parse(m.ss_tag_frequency!)).toEqual({ images: { 'a sks disc': 4, 'colour 0': 1, 'colour 1': 1, 'colour 2': 1, 'colour 3': 1, 'on white': 4 } });
      expect(m['lora_studio.dataset_hash']).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.parse(m['lora_studio.training_config']!).rank).toBe(2);
      if (format === 'kohya') expect([m.ss_network_dim, m.ss_network_alpha]).toEqual(['2', '2']);
      if (format === 'peft') expect(JSON.parse(m.lora_adapter_metadata!)['transformer.r']).toBe(2);
      expect(r.bytes).toBe(readFileSync(out).length);
      expect(r.fileName).toBe(`images-sks-step4-${format}.safetensors`);
    });
  }

  it('exports bf16 by default: half the size of fp32, the same deltas to bf16 precision', () => {
    const wide = exportCheckpoint({ runDir, step: 4, format: 'kohya', out: join(root, 'wide.safetensors'), precision: 'fp32' });
    const narrow = exportCheckpoint({ runDir, step: 4, format: 'kohya', out: join(root, 'narrow.safetensors') });
    expect(narrow.precision).toBe('bf16');
    const dtypes = (file: string) => parseSafetensors(new Uint8Array(readFileSync(file)), file).tensors.filter((t) => !t.name.endsWith('.alpha')).map((t) => t.dtype);
    expect(new Set(dtypes(narrow.path))).toEqual(new Set(['BF16']));
    expect(narrow.bytes).toBeLessThan(wide.bytes * 0.75);
    const original = deltas(checkpointLora(checkpointAt(runDir, 4).path).adapter);
    const reread = deltas(loadLora(narrow.path).adapter);
    for (const [path, d] of original) {
      const e = reread.get(path)!;
      const scale = Math.max(...d.map(Math.abs));
      let worst = 0;
      for (let i = 0; i < d.length; i++) worst = Math.max(worst, Math.abs(e[i]! - d[i]!));
      // bf16 keeps 8 significant bits per factor: about 0.4 % of each, summed over the rank.
      expect(worst).toBeLessThan(0.02 * scale);
      expect(worst).toBeGreaterThan(0);
    }
  });

  it('refuses an export folder under /proc before making anything (mkdir there never ends)', () => {
    expect(() => exportCheckpoint({ runDir, step: 4, format: 'kohya', outDir: '/proc/self/x' })).toThrow(FolderNotCreatableError);
  });

  it('the preview matches the file without writing it', () => {
    const p = previewExport({ runDir, step: 2, format: 'kohya' });
    const r = exportCheckpoint({ runDir, step: 2, format: 'kohya', outDir: join(root, 'exports') });
    expect(r).toMatchObject(p);
    expect(r.path).toBe(join(root, 'exports', p.fileName));
  });

  it('stray keys cannot be written: a layer that is not a FLUX.2 Linear is refused', () => {
    const { adapter } = checkpointLora(checkpointAt(runDir, 4).path);
    const stray: LoraAdapter = { ...adapter, layers: [...adapter.layers, { ...adapter.layers[0]!, path: 'double_blocks.0.img_attn.norm.query_norm' }] };
    for (const format of ['peft', 'bfl', 'kohya'] as const) expect(() => exportLora(stray, format)).toThrow(/not a FLUX.2 Linear layer/);
  });

  it('"best" is the favourite, else the highest score, else the latest checkpoint, saying which', () => {
    expect(bestStep({ runDir })).toEqual({ step: 4, reason: 'latest checkpoint' });
    expect(bestStep({ runDir, favourite: 2 })).toEqual({ step: 2, reason: 'your favourite' });
    expect(bestStep({ runDir, scores: [{ step: 2, overall: 0.1 }, { step: 4, overall: 0.3 }] })).toEqual({ step: 4, reason: 'best score' });
    writeFileSync(scoresPath(runDir), JSON.stringify({ checkpoints: [{ step: 2, overall: 0.9 }, { step: 4, overall: 0.3 }] }));
    expect(exportCheckpoint({ runDir, step: 'best', format: 'bfl', out: join(root, 'best.safetensors') })).toMatchObject({ step: 2, reason: 'best score' });
  });

  it('exports the training config as JSON and TOML, and the dataset as images + captions', async () => {
    const json = JSON.parse(readFileSync(exportTrainingConfig(runDir, 'json', join(root, 'config.json')), 'utf8'));
    expect(json.config).toMatchObject({ rank: 2, steps: 4, trigger: 'sks' });
    const toml = readFileSync(exportTrainingConfig(runDir, 'toml', join(root, 'config.toml')), 'utf8');
    expect(toml).toMatch(/^\[config\]$/m);
    expect(toml).toMatch(/^trigger = "sks"$/m);
    expect(toml).toMatch(/^rank = 2$/m);
    const dataset = loadDataset(readRunDescription(runDir).dataset, { folderCacheDir: join(root, 'c') });
    const r = await exportDataset(dataset, join(root, 'dataset'));
    expect(r).toEqual({ folder: join(root, 'dataset'), images: 4, uncaptioned: 0 });
    expect(readFileSync(join(root, 'dataset', 'img-2.txt'), 'utf8')).toBe('a sks disc, colour 2, on white\n');
    await expect(exportDataset(dataset, join(root, 'dataset'))).rejects.toThrow(/not empty/);
  });
});
