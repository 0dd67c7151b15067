import { describe, expect, it } from 'vitest';
import { fromFloat32, parseSafetensors, serializeSafetensors, type TensorToWrite } from '@lora-studio/onnx';
import { flux2Preset } from '../flux2/config';
import { createLoraAdapter, type LoraAdapter } from './adapter';
import { exportLora, importLora, loraSourceOf } from './formats';
import { alphaProblem, LoraValueError, weightProblem } from './values';

const adapter = createLoraAdapter(flux2Preset('flux2-toy'), { targets: 'attention', rank: 4, alpha: 4, seed: 1, init: 'gaussian' });
const ALPHA = 'lora_unet_single_blocks_0_linear1.alpha';
const DOWN = 'lora_unet_single_blocks_0_linear1.lora_down.weight';

function kohyaWith(change: Record<string, Float32Array>, metadata: Record<string, string> = {}) {
  const { tensors } = exportLora(adapter, 'kohya');
  const changed: Record<string, TensorToWrite> = { ...tensors };
  for (const [name, values] of Object.entries(change)) changed[name] = { ...tensors[name]!, data: fromFloat32('F32', values) };
  return loraSourceOf(parseSafetensors(serializeSafetensors(changed, metadata)));
}

function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a refusal');
}

describe('LoRA values', () => {
  it('names each kind of unusable alpha', () => {
    expect(alphaProblem(Number.NaN, 'a')).toBe('a is NaN');
    expect(alphaProblem(Infinity, 'a')).toBe('a is infinite');
    expect(alphaProblem(0, 'a')).toMatch(/is 0, which silences the adapter/);
    expect(alphaProblem(-2, 'a')).toMatch(/negative \(-2\), which inverts/);
    expect(alphaProblem(16, 'a')).toBeUndefined();
    expect(weightProblem(new Float32Array([1, Number.NaN, Infinity, Number.NaN]), 't')).toBe('t holds 2 NaN and 1 infinite values (the first at index 1)');
    expect(weightProblem(new Float32Array([0, -1, 3e38]), 't')).toBeUndefined();
  });

  it('a file with a NaN, infinite, zero or negative alpha is refused, naming the tensor', () => {
    for (const [alpha, words] of [[Number.NaN, 'is NaN'], [Infinity, 'is infinite'], [0, 'is 0'], [-4, 'is negative']] as const) {
      const err = refusal(() => importLora(kohyaWith({ [ALPHA]: new Float32Array([alpha]) }), 'my.safetensors'));
      expect(err).toBeInstanceOf(LoraValueError);
      expect(err.message).toContain(`my.safetensors cannot be used: the alpha tensor "${ALPHA}" ${words}`);
    }
  });

  it('a file with NaN or infinite weights is refused, naming the tensor; inspect-style reading lists them instead', () => {
    const down = new Float32Array(adapter.layers.find((l) => l.path === 'single_blocks.0.linear1')!.down);
    down[5] = Number.NaN;
    down[9] = -Infinity;
    const source = kohyaWith({ [DOWN]: down });
    expect(() => importLora(source)).toThrow(`tensor "${DOWN}" holds 1 NaN and 1 infinite values (the first at index 5)`);
    const problems: string[] = [];
    const { adapter: read } = importLora(source, 'x', { onValueProblem: (p) => problems.push(p) });
    expect(read.layers).toHaveLength(adapter.layers.length);
    expect(problems).toEqual([`tensor "${DOWN}" holds 1 NaN and 1 infinite values (the first at index 5)`]);
  });

  it('a PEFT header lora_alpha of 0 or not a number is refused instead of quietly taken as the rank', () => {
    const { tensors } = exportLora(adapter, 'peft');
    for (const alpha of [0, 'NaN', -1]) {
      const meta = { lora_adapter_metadata: JSON.stringify({ 'transformer.r': 4, 'transformer.lora_alpha': alpha }) };
      expect(() => importLora(loraSourceOf(parseSafetensors(serializeSafetensors(tensors, meta))))).toThrow(/lora_alpha for .* in the header's lora_adapter_metadata/);
    }
    // Absent, it is PEFT's default: alpha = r.
    const { adapter: read } = importLora(loraSourceOf(parseSafetensors(serializeSafetensors(tensors, { lora_adapter_metadata: '{"transformer.r": 4}' }))));
    expect(read.layers[0]!.alpha).toBe(4);
  });

  it('an adapter with a NaN weight or zero alpha is never written', () => {
    const broken: LoraAdapter = { metadata: {}, layers: adapter.layers.map((l, i) => (i === 0 ? { ...l, alpha: 0 } : l)) };
    expect(() => exportLora(broken, 'kohya')).toThrow(`This LoRA cannot be used: the alpha of LoRA layer ${adapter.layers[0]!.path} is 0`);
    const up = new Float32Array(adapter.layers[1]!.up);
    up[0] = Number.NaN;
    const nan: LoraAdapter = { metadata: {}, layers: adapter.layers.map((l, i) => (i === 1 ? { ...l, up } : l)) };
    expect(() => exportLora(nan, 'peft')).toThrow(/the up \(lora_B\) weights of LoRA layer .* holds 1 NaN value \(the first at index 0\)/);
  });
});
