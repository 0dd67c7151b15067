import { describe, it, expect } from 'vitest';
import { flux2Preset, parseFlux2Config, validateFlux2Config, FLUX2_PRESETS } from './config';
import { flux2ParameterCount } from './weights';

describe('FLUX.2 config', () => {
  it('counts the published parameter numbers', () => {
    expect((flux2ParameterCount(flux2Preset('flux2-dev')) / 1e9).toFixed(2)).toBe('32.22');
    expect((flux2ParameterCount(flux2Preset('flux2-klein-4b')) / 1e9).toFixed(2)).toBe('3.88');
    expect((flux2ParameterCount(flux2Preset('flux2-klein-9b')) / 1e9).toFixed(2)).toBe('9.08');
  });

  it('accepts every preset and rejects inconsistent configs with the reason', () => {
    for (const name of Object.keys(FLUX2_PRESETS)) expect(() => validateFlux2Config(flux2Preset(name))).not.toThrow();
    expect(() => validateFlux2Config({ ...flux2Preset('flux2-toy'), numHeads: 3 })).toThrow(/numHeads × headDim \(3 × 16\) must equal hiddenSize 64/);
    expect(() => validateFlux2Config({ ...flux2Preset('flux2-toy'), ropeAxesDims: [4, 4, 4, 2] })).toThrow(/sum to headDim 16/);
    expect(() => flux2Preset('flux3')).toThrow(/Unknown model preset "flux3"/);
  });

  it('parses a JSON config on top of a preset', () => {
    expect(parseFlux2Config({ preset: 'flux2-toy', numSingleBlocks: 1 }).numSingleBlocks).toBe(1);
    expect(() => parseFlux2Config({ preset: 'flux2-toy', hidden: 3 })).toThrow(/Unknown model config keys: hidden/);
    expect(() => parseFlux2Config({ hiddenSize: 64 })).toThrow(/lacks numHeads/);
  });
});
