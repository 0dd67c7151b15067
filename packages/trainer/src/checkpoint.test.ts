import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointFileName, latestCheckpoint, listCheckpoints, readCheckpoint, writeCheckpoint, type TrainingCheckpoint } from './checkpoint';
import { presetConfig } from './presets';
import { TrainingRandom } from './rng';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function sample(step: number): TrainingCheckpoint {
  const rng = TrainingRandom.fromSeed(step);
  const layout = [{ name: 'double_blocks.0.img_attn.qkv.lora_A', shape: [2, 3] }, { name: 'double_blocks.0.img_attn.qkv.lora_B', shape: [4, 2] }];
  const fill = () => Float32Array.from({ length: 14 }, () => rng.normal() * 1e-3);
  return {
    step,
    layout,
    params: fill(),
    m: fill(),
    v: fill().map(Math.abs),
    rng: rng.state(),
    data: { epoch: 2, batch: 5 },
    monitor: { ema: 0.31, count: step, windowSum: 1.2, windowCount: 3, best: 0.3, stale: 1 },
    config: presetConfig({ type: 'style', trigger: 'flt', imageCount: 10, model: { nativeResolution: 64, small: true } }),
    baseModel: 'flux2-tiny-default@test',
  };
}

describe('training checkpoints', () => {
  it('round-trip every value bit for bit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    dirs.push(dir);
    const c = sample(250);
    const path = join(dir, checkpointFileName(250));
    writeCheckpoint(path, c);
    const back = readCheckpoint(path);
    expect(back).toEqual(c);
    expect(Buffer.from(back.params.buffer).equals(Buffer.from(c.params.buffer))).toBe(true);
    expect(readdirSync(dir)).toEqual(['step-000250.safetensors']);
  });

  it('finds the newest readable checkpoint and ignores half-written temporary files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    dirs.push(dir);
    writeCheckpoint(join(dir, checkpointFileName(50)), sample(50));
    writeCheckpoint(join(dir, checkpointFileName(100)), sample(100));
    writeFileSync(join(dir, `${checkpointFileName(150)}.tmp-123`), 'partial');
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([50, 100]);
    expect(latestCheckpoint(dir)?.step).toBe(100);
  });

  it('says so when a file is not a training checkpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    dirs.push(dir);
    const path = join(dir, 'lora.safetensors');
    const header = Buffer.from('{}      ');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(path, Buffer.concat([prefix, header]));
    expect(() => readCheckpoint(path)).toThrow(/not a LoRA Studio training checkpoint/);
  });
});
