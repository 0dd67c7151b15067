// Latent tokens: the VAE's latent patchified 2×2 and normalised with its BatchNorm running stats, and back.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@lora-studio/onnx';
import { latentToTokens, tokensToLatent, type LatentStats } from './latent-tokens';

describe('latent tokens', () => {
  const rng = new SeededRandom(3);
  const C = 3;
  const stats: LatentStats = {
    mean: rng.fillUniform(new Float32Array(4 * C), -1, 1) as Float32Array,
    variance: rng.fillUniform(new Float32Array(4 * C), 0.1, 3) as Float32Array,
    eps: 1e-4,
  };

  it('patchifies "c (i pi) (j pj) -> (c pi pj) i j" and normalises each token channel with the running stats', () => {
    const H = 4;
    const W = 6;
    const data = rng.fillNormal(new Float32Array(C * H * W)) as Float32Array;
    const tokens = latentToTokens({ channels: C, height: H, width: W, data }, stats);
    expect(tokens.length).toBe((H / 2) * (W / 2) * 4 * C);
    // Latent (c=2, y=3, x=4) is patch (i=1, j=2) at offset (pi=1, pj=0): token 1·3+2, channel 2·4+1·2+0.
    const k = 2 * 4 + 2;
    expect(tokens[(1 * 3 + 2) * 12 + k]).toBeCloseTo((data[(2 * H + 3) * W + 4]! - stats.mean[k]!) / Math.sqrt(stats.variance[k]! + 1e-4), 5);
  });

  it('round-trips latent → tokens → latent', () => {
    const data = rng.fillNormal(new Float32Array(C * 8 * 10), 3) as Float32Array;
    const back = tokensToLatent(latentToTokens({ channels: C, height: 8, width: 10, data }, stats), { height: 4, width: 5 }, stats);
    expect([back.channels, back.height, back.width]).toEqual([C, 8, 10]);
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(back.data[i]! - data[i]!) / (1 + Math.abs(data[i]!)));
    expect(worst).toBeLessThan(1e-6);
  });

  it('refuses odd latents and stats of the wrong size', () => {
    expect(() => latentToTokens({ channels: C, height: 3, width: 4, data: new Float32Array(C * 12) }, stats)).toThrow(/2×2 patches/);
    expect(() => latentToTokens({ channels: 2, height: 2, width: 2, data: new Float32Array(8) }, stats)).toThrow(/12 means.*8 channels/);
  });
});
