// FLUX.2 VAE latents ↔ transformer image tokens (docs/flux2.md §Latents): 2×2 patchify
// "c (i pi) (j pj) -> (c pi pj) i j", then per-channel normalisation with the VAE's BatchNorm running stats
// (affine=False). Plain TypeScript so the inverse used for samples is exactly the same layout.

export interface LatentStats {
  /** BatchNorm running_mean over the patchified channels (4 × latent channels). */
  mean: Float32Array;
  /** BatchNorm running_var, same length. */
  variance: Float32Array;
  /** BatchNorm epsilon (1e-4 for FLUX.2). */
  eps: number;
}

/** A latent [channels, height, width], row-major (one image of the VAE encoder's output). */
export interface Latent {
  channels: number;
  height: number;
  width: number;
  data: Float32Array;
}

function checkStats(stats: LatentStats, tokenChannels: number): void {
  if (stats.mean.length !== tokenChannels || stats.variance.length !== tokenChannels) {
    throw new Error(`The VAE stats have ${stats.mean.length} means and ${stats.variance.length} variances, but the tokens have ${tokenChannels} channels.`);
  }
}

/**
 * The one 2×2 patch layout both directions share: calls `visit` with each latent value's index, the index of its
 * token value in [(H/2)·(W/2), 4C], and its token channel k = c·4 + pi·2 + pj.
 */
function forEachPatchValue(C: number, H: number, W: number, visit: (latentIndex: number, tokenIndex: number, k: number) => void): void {
  const w = W / 2;
  const K = 4 * C;
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      const i = y >> 1;
      const pi = y & 1;
      for (let x = 0; x < W; x++) {
        const k = c * 4 + pi * 2 + (x & 1);
        visit((c * H + y) * W + x, (i * w + (x >> 1)) * K + k, k);
      }
    }
  }
}

/** Latent [C, H, W] → normalised tokens [(H/2)·(W/2), 4C], tokens row-major over the (H/2)×(W/2) grid. */
export function latentToTokens(latent: Latent, stats: LatentStats): Float32Array {
  const { channels: C, height: H, width: W, data } = latent;
  if (H % 2 || W % 2) throw new Error(`A ${W}×${H} latent cannot be cut into 2×2 patches; image sides must be multiples of 16.`);
  if (data.length !== C * H * W) throw new Error(`The latent holds ${data.length} values, not ${C}×${H}×${W}.`);
  const K = 4 * C;
  checkStats(stats, K);
  const scale = Float64Array.from(stats.variance, (v) => 1 / Math.sqrt(v + stats.eps));
  const tokens = new Float32Array((H / 2) * (W / 2) * K);
  forEachPatchValue(C, H, W, (l, t, k) => {
    tokens[t] = (data[l]! - stats.mean[k]!) * scale[k]!;
  });
  return tokens;
}

/** The inverse of `latentToTokens`: tokens of an h×w grid → latent [C, 2h, 2w]. */
export function tokensToLatent(tokens: Float32Array, grid: { height: number; width: number }, stats: LatentStats): Latent {
  const { height: h, width: w } = grid;
  const K = stats.mean.length;
  if (K % 4) throw new Error(`The VAE stats have ${K} channels, which is not 4 × latent channels.`);
  if (tokens.length !== h * w * K) throw new Error(`${tokens.length} token values do not make a ${w}×${h} grid of ${K}-channel tokens.`);
  checkStats(stats, K);
  const std = Float64Array.from(stats.variance, (v) => Math.sqrt(v + stats.eps));
  const C = K / 4;
  const H = 2 * h;
  const W = 2 * w;
  const data = new Float32Array(C * H * W);
  forEachPatchValue(C, H, W, (l, t, k) => {
    data[l] = tokens[t]! * std[k]! + stats.mean[k]!;
  });
  return { channels: C, height: H, width: W, data };
}
