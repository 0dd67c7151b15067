import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, serializeGraph } from '@lora-studio/onnx';
import { flux2Preset } from './config';
import { openFlux2Checkpoint } from './checkpoint';
import { addFlux2Inputs, buildFlux2 } from './graph';
import { addFlux2Weights, addLoraInputs } from './graph-weights';
import { writeSparseFlux2Checkpoint } from './sparse-checkpoint';
import { loraTargetLayers } from '../lora/targets';

const allocated = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

describe('klein-4B graph with external weights', () => {
  it('builds and serialises without bringing the 7.75 GB of weights into JS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flux2-klein-'));
    try {
      const config = flux2Preset('flux2-klein-4b');
      const path = join(dir, 'klein-4b.safetensors');
      const fileBytes = writeSparseFlux2Checkpoint(path, config, 'BF16');
      expect(fileBytes).toBeGreaterThan(7.7e9);
      const before = allocated();
      const checkpoint = openFlux2Checkpoint(path);
      const g = new Graph('klein');
      const inputs = addFlux2Inputs(g, config, 'float32');
      const weights = addFlux2Weights(g, config, 'float32', { kind: 'checkpoint', checkpoint });
      const lora = addLoraInputs(g, loraTargetLayers(config, 'attention').map((l) => ({ ...l, rank: 'rank' })), 'float32', 'input');
      g.output(buildFlux2(g, inputs, { config, weights, lora: lora.layers }), 'out');
      const model = serializeGraph(g, { externalDataFolder: dir });
      const grown = allocated() - before;
      checkpoint.close();
      expect(model.byteLength).toBeLessThan(5e6);
      expect(grown).toBeLessThan(200e6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
