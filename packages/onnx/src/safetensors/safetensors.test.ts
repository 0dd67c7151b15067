import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SafetensorsFile, writeSafetensorsFile, parseSafetensors, serializeSafetensors,
  bf16ToF32, f32ToBf16, f16ToF32, f32ToF16, fromFloat32, MAX_HEADER_BYTES,
} from './index';

function fileWithHeader(header: unknown, dataBytes: number, rawHeader?: string): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('safetensors', () => {
  it('round-trips tensors, dtypes and metadata through a file, reading by offset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    try {
      const a = new Float32Array([1, -2.5, 3.25, 0, 1e-3, 65504]);
      const path = join(dir, 'x.safetensors');
      writeSafetensorsFile(path, {
        'b.weight': { dtype: 'BF16', shape: [2, 3], data: f32ToBf16(a) },
        'a.weight': { dtype: 'F32', shape: [3, 2], data: new Uint8Array(a.buffer) },
        'c.half': { dtype: 'F16', shape: [6], data: f32ToF16(a) },
        ids: { dtype: 'I64', shape: [2], data: new Uint8Array(new BigInt64Array([7n, -1n]).buffer) },
        empty: { dtype: 'F32', shape: [0, 4], data: new Uint8Array(0) },
        scalar: { dtype: 'F32', shape: [], data: new Uint8Array(new Float32Array([4]).buffer) },
      }, { format: 'pt', note: 'héllo' });
      const f = SafetensorsFile.open(path);
      expect(f.metadata).toEqual({ format: 'pt', note: 'héllo' });
      expect(f.dataStart % 8).toBe(0);
      expect(Array.from(f.readFloat32('a.weight'))).toEqual(Array.from(a));
      expect(f.info('b.weight').shape).toEqual([2, 3]);
      expect(Array.from(f.readFloat32('b.weight'))).toEqual([1, -2.5, 3.25, 0, 0.00099945068359375, 65536]);
      expect(Array.from(f.readFloat32('c.half'))).toEqual([1, -2.5, 3.25, 0, 0.0010004043579101562, 65504]);
      expect(Array.from(new BigInt64Array(f.readBytes('ids').slice().buffer))).toEqual([7n, -1n]);
      expect(f.readFloat32('empty').length).toBe(0);
      expect(Array.from(f.readFloat32('scalar'))).toEqual([4]);
      const loc = f.location('a.weight');
      expect(loc.length).toBe(24);
      const whole = parseSafetensors(new Uint8Array(readFileSync(path)));
      expect(Array.from(new Float32Array(whole.bytes.slice(loc.offset, loc.offset + loc.length).buffer))).toEqual(Array.from(a));
      expect(Array.from(f.readBytes('a.weight', 4, 8))).toEqual(Array.from(new Uint8Array(a.buffer, 4, 8)));
      f.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('converts bf16 and f16 exactly where representable, rounding to nearest even', () => {
    const v = new Float32Array([0, -0, 1, -1, 0.5, 2 ** -14, 2 ** -24, 1 + 2 ** -10, Infinity, -Infinity]);
    expect(Array.from(f16ToF32(f32ToF16(v)))).toEqual(Array.from(v));
    const b = new Float32Array([0, -0, 1, -1, 0.5, 2 ** -100, 1 + 2 ** -7, Infinity, -Infinity]);
    expect(Array.from(bf16ToF32(f32ToBf16(b)))).toEqual(Array.from(b));
    const big = bf16ToF32(f32ToBf16(new Float32Array([3e38])))[0]!;
    expect(Math.abs(big - 3e38) / 3e38).toBeLessThan(2 ** -8);
    expect(Number.isNaN(bf16ToF32(f32ToBf16(new Float32Array([NaN])))[0])).toBe(true);
    expect(Number.isNaN(f16ToF32(f32ToF16(new Float32Array([NaN])))[0])).toBe(true);
    // 1 + 2^-8 is halfway between two bf16 values: ties go to the even mantissa (1).
    expect(bf16ToF32(f32ToBf16(new Float32Array([1 + 2 ** -8])))[0]).toBe(1);
    expect(f16ToF32(f32ToF16(new Float32Array([1e6])))[0]).toBe(Infinity);
    expect(Array.from(new Float64Array(fromFloat32('F64', new Float32Array([1.5])).buffer))).toEqual([1.5]);
  });

  const ok = { t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const malformed: [string, () => Uint8Array, RegExp][] = [
    ['shorter than the prefix', () => new Uint8Array(5), /shorter than the 8-byte/],
    ['huge header length', () => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 2n ** 62n, true); return b; }, /above the 100000000-byte limit/],
    ['header just over the limit', () => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true); return b; }, /limit/],
    ['header longer than the file', () => fileWithHeader(ok, 8).subarray(0, 20), /truncated/],
    ['truncated data', () => fileWithHeader(ok, 8).subarray(0, fileWithHeader(ok, 8).length - 3), /past the end of the data/],
    ['non-JSON header', () => fileWithHeader(null, 0, '{"t": {dtype'), /not UTF-8 JSON/],
    ['header is an array', () => fileWithHeader([1, 2], 0), /not a JSON object/],
    ['bad dtype', () => fileWithHeader({ t: { dtype: 'F31', shape: [2], data_offsets: [0, 8] } }, 8), /unknown dtype "F31"/],
    ['negative dim', () => fileWithHeader({ t: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8), /not a list of non-negative integers/],
    ['offsets out of range', () => fileWithHeader({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 4), /past the end of the data/],
    ['size mismatch', () => fileWithHeader({ t: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /needs 12 bytes but data_offsets span 8/],
    ['end before begin', () => fileWithHeader({ t: { dtype: 'U8', shape: [0], data_offsets: [8, 0] } }, 8), /end before begin/],
    ['overlapping', () => fileWithHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), /overlaps/],
    ['gap', () => fileWithHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /gap of 4 bytes/],
    ['trailing bytes', () => fileWithHeader(ok, 12), /trailing bytes/],
    ['metadata not strings', () => fileWithHeader({ __metadata__: { a: 1 } }, 0), /"a" is not a string/],
    ['entry not an object', () => fileWithHeader({ t: 3 }, 0), /entry "t" is not an object/],
    ['huge shape', () => fileWithHeader({ t: { dtype: 'F32', shape: [2 ** 40, 2 ** 20], data_offsets: [0, 8] } }, 8), /needs .* bytes/],
  ];
  for (const [label, make, message] of malformed) {
    it(`rejects a malformed file: ${label}`, () => {
      expect(() => parseSafetensors(make(), 'bad.safetensors')).toThrow(message);
      const dir = mkdtempSync(join(tmpdir(), 'st-bad-'));
      try {
        const path = join(dir, 'bad.safetensors');
        writeFileSync(path, make());
        expect(() => SafetensorsFile.open(path)).toThrow(message);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('refuses to write inconsistent tensors', () => {
    expect(() => serializeSafetensors({ t: { dtype: 'F32', shape: [3], data: new Uint8Array(8) } })).toThrow(/needs 12 bytes/);
    expect(() => serializeSafetensors({ __metadata__: { dtype: 'F32', shape: [0], data: new Uint8Array(0) } })).toThrow(/reserved/);
  });
});
