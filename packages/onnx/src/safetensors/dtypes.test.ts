import { describe, expect, it } from 'vitest';
import { fromFloat32, toFloat32, toFloat64 } from './dtypes';

describe('tensor byte decoding', () => {
  it('reads exactly the given bytes from a Node Buffer slice (a view into a shared pool), in every float dtype', () => {
    const values = Float32Array.from([1.5, -2.25, 3.75]);
    for (const dtype of ['F32', 'F16', 'BF16', 'F64'] as const) {
      const bytes = fromFloat32(dtype, values);
      // A Buffer with other data before and after, sliced the way file reads hand tensors over.
      const pool = Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from(bytes), Buffer.from([7, 7, 7, 7, 7])]);
      const view = pool.subarray(3, 3 + bytes.length);
      expect([...toFloat32(dtype, view)], dtype).toEqual([...values]);
      expect([...toFloat64(dtype, view)], dtype).toEqual([...values]);
    }
  });
});
