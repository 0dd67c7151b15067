// Weight-only dequantization: int8 or fp8 (e4m3fn) values times a float32 scale per row (output channel).
import type { Tensor } from '../graph';
import { single } from './common';

/** DequantizeLinear(x, scale) along `axis`: x · scale[channel], as float32 (symmetric, no zero point). */
export function dequantizeLinear(x: Tensor, scale: Tensor, axis = 0): Tensor {
  if (x.dtype !== 'int8' && x.dtype !== 'float8e4m3fn') throw new Error(`dequantizeLinear: ${x.name} is ${x.dtype}; int8 or float8e4m3fn expected.`);
  if (scale.dtype !== 'float32' || scale.shape.length !== 1) throw new Error(`dequantizeLinear: the scale ${scale.name} must be a float32 vector, one value per channel.`);
  return single(x.graph, 'DequantizeLinear', [x, scale], { axis: { type: 'int', value: axis } }, 'float32', x.shape);
}
