// The safetensors container: 8-byte little-endian header length N, N bytes of JSON header, then the
// tensor data. Parsing and serialising here are pure (no file system) so the renderer can use them too.
import { dtypeByteSize, isSafetensorsDtype, type SafetensorsDtype } from './dtypes';

/** The official format caps the header at 100 MB; anything larger is a corrupt or hostile file. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute offset of the first data byte in the file. */
  byteOffset: number;
  byteLength: number;
}

export interface SafetensorsHeader {
  /** Tensors in file order (by data offset). */
  tensors: SafetensorsTensorInfo[];
  metadata: Record<string, string>;
  /** Absolute offset where the data section begins (8 + header length). */
  dataStart: number;
  fileSize: number;
}

export class SafetensorsFormatError extends Error {
  constructor(source: string, problem: string) {
    super(`${source} is not a valid safetensors file: ${problem}. Re-export or re-download the file.`);
    this.name = 'SafetensorsFormatError';
  }
}

/** Validate the 8-byte prefix and return the JSON header length. */
export function readHeaderLength(prefix: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8 || prefix.length < 8) {
    throw new SafetensorsFormatError(source, `it is ${fileSize} bytes long, shorter than the 8-byte header length prefix`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsFormatError(source, `the header claims ${n} bytes, above the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerLength = Number(n);
  if (8 + headerLength > fileSize) {
    throw new SafetensorsFormatError(source, `the header claims ${headerLength} bytes but the file has only ${fileSize - 8} after the prefix (truncated?)`);
  }
  return headerLength;
}

/** Parse and strictly validate the JSON header against the file size. */
export function parseHeader(headerBytes: Uint8Array, fileSize: number, source: string): SafetensorsHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    throw new SafetensorsFormatError(source, `the header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SafetensorsFormatError(source, 'the header is not a JSON object');
  }
  const dataStart = 8 + headerBytes.length;
  const dataSize = fileSize - dataStart;
  const metadata: Record<string, string> = {};
  const tensors: (SafetensorsTensorInfo & { begin: number; end: number })[] = [];
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw new SafetensorsFormatError(source, '__metadata__ is not an object of strings');
      }
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value !== 'string') {
          throw new SafetensorsFormatError(source, `__metadata__ key "${key}" is not a string`);
        }
        metadata[key] = value;
      }
      continue;
    }
    tensors.push({ ...parseTensorEntry(name, entry, source), byteOffset: 0 });
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const t of tensors) {
    if (t.begin < cursor) {
      throw new SafetensorsFormatError(source, `tensor "${t.name}" overlaps the previous tensor (starts at ${t.begin}, previous ends at ${cursor})`);
    }
    if (t.begin > cursor) {
      throw new SafetensorsFormatError(source, `there is a gap of ${t.begin - cursor} bytes before tensor "${t.name}"`);
    }
    if (t.end > dataSize) {
      throw new SafetensorsFormatError(source, `tensor "${t.name}" ends at data offset ${t.end}, past the end of the data (${dataSize} bytes; truncated?)`);
    }
    cursor = t.end;
  }
  if (cursor !== dataSize) {
    throw new SafetensorsFormatError(source, `the tensors cover ${cursor} bytes but the data section has ${dataSize} (trailing bytes or truncation)`);
  }
  return {
    tensors: tensors.map(({ name, dtype, shape, begin, end }) => ({ name, dtype, shape, byteOffset: dataStart + begin, byteLength: end - begin })),
    metadata,
    dataStart,
    fileSize,
  };
}

function parseTensorEntry(name: string, entry: unknown, source: string) {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new SafetensorsFormatError(source, `entry "${name}" is not an object`);
  }
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) {
    throw new SafetensorsFormatError(source, `tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsFormatError(source, `tensor "${name}" has shape ${JSON.stringify(shape)}, not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new SafetensorsFormatError(source, `tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, not [begin, end]`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) {
    throw new SafetensorsFormatError(source, `tensor "${name}" has data_offsets [${begin}, ${end}] with end before begin`);
  }
  const expected = (shape as number[]).reduce((a, d) => a * d, 1) * dtypeByteSize(dtype);
  if (expected !== end - begin) {
    throw new SafetensorsFormatError(source, `tensor "${name}" (${dtype} ${JSON.stringify(shape)}) needs ${expected} bytes but data_offsets span ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], begin, end, byteLength: end - begin };
}

export interface TensorToWrite {
  dtype: SafetensorsDtype;
  shape: readonly number[];
  /** Raw little-endian bytes (length must equal prod(shape) × dtype size). */
  data: Uint8Array;
}

/**
 * Lay out a safetensors file: returns the header block (prefix + JSON padded with spaces to a multiple of 8
 * so tensor data stays aligned) and the ordered data chunks. Tensors are written sorted by name.
 */
export function layoutSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>) {
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name]!;
    const expected = t.shape.reduce((a, d) => a * d, 1) * dtypeByteSize(t.dtype);
    if (t.data.byteLength !== expected) {
      throw new Error(`Tensor "${name}" (${t.dtype} [${t.shape.join(', ')}]) needs ${expected} bytes but ${t.data.byteLength} were given.`);
    }
  }
  const { head, dataBytes } = safetensorsHead(tensors, metadata);
  return { head, chunks: names.map((n) => tensors[n]!.data), totalBytes: head.length + dataBytes };
}

/**
 * The header block of a safetensors file holding tensors of these dtypes and shapes, written in name order; lets
 * a large file be written tensor by tensor without holding every tensor in memory.
 */
export function safetensorsHead(tensors: Record<string, Pick<TensorToWrite, 'dtype' | 'shape'>>, metadata?: Record<string, string>): { head: Uint8Array; dataBytes: number } {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`Metadata value for "${k}" must be a string; JSON-encode structured values.`);
    }
    header.__metadata__ = metadata;
  }
  const names = Object.keys(tensors).sort();
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new Error('A tensor cannot be named "__metadata__": that key is reserved for metadata.');
    const t = tensors[name]!;
    const expected = t.shape.reduce((a, d) => a * d, 1) * dtypeByteSize(t.dtype);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + expected] };
    offset += expected;
  }
  let json = JSON.stringify(header);
  const jsonBytes = new TextEncoder().encode(json);
  const padded = Math.ceil((8 + jsonBytes.length) / 8) * 8 - 8;
  const head = new Uint8Array(8 + padded).fill(0x20);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(jsonBytes, 8);
  return { head, dataBytes: offset };
}

/** Serialise tensors + metadata into one in-memory safetensors file (for small files such as LoRAs). */
export function serializeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  const { head, chunks, totalBytes } = layoutSafetensors(tensors, metadata);
  const out = new Uint8Array(totalBytes);
  out.set(head, 0);
  let offset = head.length;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** A safetensors file parsed from bytes already in memory (small files such as LoRAs). */
export interface ParsedSafetensors extends SafetensorsHeader {
  bytes: Uint8Array;
  /** Raw bytes of one tensor (a view, not a copy). */
  tensorBytes(name: string): Uint8Array;
}

export function parseSafetensors(bytes: Uint8Array, source = 'the file'): ParsedSafetensors {
  const headerLength = readHeaderLength(bytes.subarray(0, 8), bytes.byteLength, source);
  const header = parseHeader(bytes.subarray(8, 8 + headerLength), bytes.byteLength, source);
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  return {
    ...header,
    bytes,
    tensorBytes(name) {
      const t = byName.get(name);
      if (!t) throw new Error(`${source} has no tensor "${name}".`);
      return bytes.subarray(t.byteOffset, t.byteOffset + t.byteLength);
    },
  };
}
