// The FLUX.2 VAE halves as engine graphs for one image size: the encoder (conv_in → down levels of ResNet blocks
// with stride-2 downsampling padded right/bottom → middle ResNet + single-head attention + ResNet → GroupNorm, SiLU,
// conv_out → quant_conv) giving the latent mean, and the decoder (post_quant_conv → conv_in → middle → up levels with
// nearest 2× upsampling → GroupNorm, SiLU, conv_out). Weights by diffusers name through `weight`.
import {
  add, attention, conv, div, expand, linear, mul, pad, reduceMean, reshape, silu, slice, sqrt, sub, transpose, unsqueeze,
  type DType, type Graph, type Tensor,
} from '@lora-studio/onnx';
import { vaeDownscale, type VaeConfig } from './vae-config';
import { addStoredWeight, type StoredTensor } from './tensor-store';

type WeightOf = (name: string) => StoredTensor;

const GN_EPS = 1e-6;

function layers(g: Graph, c: VaeConfig, weight: WeightOf, dtype: DType) {
  const W = (name: string, shape?: number[]) => addStoredWeight(g, name, weight(name), dtype, shape);
  const channels = (x: Tensor) => x.shape[1] as number;
  const groupNorm = (x: Tensor, p: string) => {
    const [, C, H, Wd] = x.shape as number[];
    const G = c.normGroups;
    const r = reshape(x, [1, G, (C! / G) * H! * Wd!]);
    const centered = sub(r, reduceMean(r, [-1], { keepdims: true }));
    const variance = reduceMean(mul(centered, centered), [-1], { keepdims: true });
    const y = reshape(div(centered, sqrt(add(variance, GN_EPS))), [1, C!, H!, Wd!]);
    return add(mul(y, W(`${p}.weight`, [C!, 1, 1])), W(`${p}.bias`, [C!, 1, 1]));
  };
  const conv3 = (x: Tensor, p: string) => conv(x, W(`${p}.weight`), W(`${p}.bias`), { pads: [1, 1, 1, 1] });
  const conv1 = (x: Tensor, p: string) => conv(x, W(`${p}.weight`), W(`${p}.bias`));
  const resnet = (x: Tensor, p: string) => {
    let h = conv3(silu(groupNorm(x, `${p}.norm1`)), `${p}.conv1`);
    h = conv3(silu(groupNorm(h, `${p}.norm2`)), `${p}.conv2`);
    const shortcut = channels(x) === channels(h) ? x : conv1(x, `${p}.conv_shortcut`);
    return add(shortcut, h);
  };
  const attn = (x: Tensor, p: string) => {
    const [, C, H, Wd] = x.shape as number[];
    const tokens = transpose(reshape(groupNorm(x, `${p}.group_norm`), [1, C!, H! * Wd!]), [0, 2, 1]);
    // BFL stores these as 1×1 convs [C, C, 1, 1]; the same values as a [C, C] matrix.
    const proj = (t: Tensor, n: string) => linear(t, W(`${p}.${n}.weight`, [C!, C!]), W(`${p}.${n}.bias`));
    const a = attention(proj(tokens, 'to_q'), proj(tokens, 'to_k'), proj(tokens, 'to_v'), { scale: 1 / Math.sqrt(C!) });
    const out = reshape(transpose(proj(a, 'to_out.0'), [0, 2, 1]), [1, C!, H!, Wd!]);
    return add(x, out);
  };
  const middle = (x: Tensor, p: string) => resnet(attn(resnet(x, `${p}.mid_block.resnets.0`), `${p}.mid_block.attentions.0`), `${p}.mid_block.resnets.1`);
  const downsample = (x: Tensor, p: string) => conv(pad(x, [0, 0, 0, 0, 0, 0, 1, 1]), W(`${p}.weight`), W(`${p}.bias`), { strides: [2, 2] });
  const upsample = (x: Tensor, p: string) => {
    const [, C, H, Wd] = x.shape as number[];
    const wide = reshape(expand(unsqueeze(x, [3, 5]), [1, C!, H!, 2, Wd!, 2]), [1, C!, 2 * H!, 2 * Wd!]);
    return conv3(wide, p);
  };
  return { groupNorm, conv3, conv1, resnet, middle, downsample, upsample };
}

/** Input "image" [1, 3, H, W] in [-1, 1] → output "latent" [1, latent, H/8, W/8] (the mean). */
export function buildVaeEncoder(g: Graph, c: VaeConfig, weight: WeightOf, dtype: DType, size: { width: number; height: number }): Tensor {
  const f = vaeDownscale(c);
  if (size.width % f || size.height % f) throw new Error(`A ${size.width}×${size.height} image cannot be encoded: sides must be multiples of ${f}.`);
  const l = layers(g, c, weight, dtype);
  let h = l.conv3(g.input('image', dtype, [1, 3, size.height, size.width]), 'encoder.conv_in');
  c.blockOutChannels.forEach((_, i) => {
    for (let j = 0; j < c.layersPerBlock; j++) h = g.scope(`down${i}_${j}`, () => l.resnet(h, `encoder.down_blocks.${i}.resnets.${j}`));
    if (i < c.blockOutChannels.length - 1) h = l.downsample(h, `encoder.down_blocks.${i}.downsamplers.0.conv`);
  });
  h = g.scope('mid', () => l.middle(h, 'encoder'));
  h = l.conv3(silu(l.groupNorm(h, 'encoder.conv_norm_out')), 'encoder.conv_out');
  const moments = l.conv1(h, 'quant_conv');
  return slice(moments, [0], [c.latentChannels], [1]);
}

/** Input "latent" [1, latent, h, w] → output "image" [1, 3, 8h, 8w]. */
export function buildVaeDecoder(g: Graph, c: VaeConfig, weight: WeightOf, dtype: DType, latentSize: { width: number; height: number }): Tensor {
  const l = layers(g, c, weight, dtype);
  const z = l.conv1(g.input('latent', dtype, [1, c.latentChannels, latentSize.height, latentSize.width]), 'post_quant_conv');
  let h = l.conv3(z, 'decoder.conv_in');
  h = g.scope('mid', () => l.middle(h, 'decoder'));
  const levels = c.blockOutChannels.length;
  for (let i = 0; i < levels; i++) {
    for (let j = 0; j <= c.layersPerBlock; j++) h = g.scope(`up${i}_${j}`, () => l.resnet(h, `decoder.up_blocks.${i}.resnets.${j}`));
    if (i < levels - 1) h = l.upsample(h, `decoder.up_blocks.${i}.upsamplers.0.conv`);
  }
  return l.conv3(silu(l.groupNorm(h, 'decoder.conv_norm_out')), 'decoder.conv_out');
}
