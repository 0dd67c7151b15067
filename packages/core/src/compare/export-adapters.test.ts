// LoKr and LoHa runs (one with an EMA) through export: the file holds exactly the checkpoint's adapter, trained or
// averaged as chosen.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '@lora-studio/api';
import { adapterDelta, adapterKindOf, loadAdapter, type Adapter } from '@lora-studio/models';
import { writeFixtures } from '@lora-studio/trainer/testing';
import sharp from 'sharp';
import { readRunDescription } from '@lora-studio/trainer';
import { checkpointAdapter, checkpointAt } from './checkpoint-lora';
import { renderGrid } from './grid';
import { ImageRenderer } from './renderer';
import { exportCheckpoint, previewExport } from './export-lora';
import { trainRun } from './test-runs';

let root: string;
let lokrRun: string;
let lohaRun: string;
const tiny = { steps: 4, checkpointEvery: 2, sampleEvery: 2, sampleSteps: 3, rank: 2, alpha: 2, batchSize: 2, lr: 1e-2, resolution: 16 };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ls-export-adapters-'));
  const { model, dataset } = await writeFixtures(root, 4);
  lokrRun = await trainRun(dataset, model, join(root, 'lokr'), { ...tiny, adapter: 'lokr', ema: 0.5 });
  lohaRun = await trainRun(dataset, model, join(root, 'loha'), { ...tiny, adapter: 'loha' });
}, 60_000);

function deltas(adapter: Adapter): number[][] {
  return adapter.layers.map((l) => Array.from(adapterDelta(l)));
}

describe('exporting LoKr and LoHa runs', () => {
  it('drew samples during training with the adapter applied', () => {
    expect(readdirSync(join(lokrRun, 'samples')).some((f) => f.endsWith('.png'))).toBe(true);
  });

  it('renders the Compare grid of a LoKr run, the adapter changing the picture', async () => {
    const renderer = await ImageRenderer.open(readRunDescription(lokrRun).base, { threads: 1 });
    try {
      const g = await renderGrid(renderer, { runDir: lokrRun, prompts: ['a sks disc on white'], checkpoints: [4], scales: [1], seed: 3, cacheDir: join(root, 'grid') });
      const files = g.cells.map((c) => c.file);
      expect(files).toHaveLength(2);
      const [base, adapted] = await Promise.all(files.map((f) => sharp(f).raw().toBuffer()));
      expect(base!.equals(adapted!)).toBe(false);
    } finally {
      await renderer.close();
    }
  });

  it('writes the trained tensors or their EMA exactly (fp32), in LyCORIS keys', () => {
    const path = checkpointAt(lokrRun, 4).path;
    const trained = exportCheckpoint({ runDir: lokrRun, step: 4, format: 'kohya', out: join(root, 'lokr.safetensors'), precision: 'fp32' });
    const ema = exportCheckpoint({ runDir: lokrRun, step: 4, format: 'bfl', out: join(root, 'lokr-ema.safetensors'), precision: 'fp32', weights: 'ema' });
    expect(trained.metadata.ss_network_module).toBe('lycoris.kohya');
    expect(ema.metadata['lora_studio.weights']).toBe('EMA (decay 0.5)');
    // Exporting both weights of one step into a folder keeps two files.
    expect(ema.fileName).toMatch(/-step4-ema-bfl\.safetensors$/);
    expect(previewExport({ runDir: lokrRun, step: 4, format: 'bfl' }).fileName).toMatch(/-step4-bfl\.safetensors$/);
    const back = loadAdapter(trained.path).adapter;
    expect(back.layers.every((l) => adapterKindOf(l) === 'lokr')).toBe(true);
    expect(deltas(back)).toEqual(deltas(checkpointAdapter(path).adapter));
    expect(deltas(loadAdapter(ema.path).adapter)).toEqual(deltas(checkpointAdapter(path, 'ema').adapter));
    expect(deltas(checkpointAdapter(path, 'ema').adapter)).not.toEqual(deltas(checkpointAdapter(path).adapter));
  });

  it('exports a LoHa, and says when a run has no EMA to export', () => {
    const r = exportCheckpoint({ runDir: lohaRun, step: 'best', format: 'kohya', out: join(root, 'loha.safetensors'), precision: 'fp32' });
    expect(existsSync(r.path)).toBe(true);
    expect(deltas(loadAdapter(r.path).adapter)).toEqual(deltas(checkpointAdapter(checkpointAt(lohaRun, r.step).path).adapter));
    const noEma = () => exportCheckpoint({ runDir: lohaRun, step: 4, format: 'kohya', out: join(root, 'x.safetensors'), weights: 'ema' });
    expect(noEma).toThrow(InvalidInputError);
    expect(noEma).toThrow(/trained without one/);
    expect(() => exportCheckpoint({ runDir: lohaRun, step: 4, format: 'peft', out: join(root, 'y.safetensors') })).toThrow(/Choose the bfl or kohya format/);
  });
});
