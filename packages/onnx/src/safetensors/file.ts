// Node-side safetensors access: the header is read once, tensors are read on demand by file descriptor
// at their offsets, so a multi-GB checkpoint never enters the JS heap as a whole.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write';
import { toFloat32, toFloat64 } from './dtypes';
import { layoutSafetensors, parseHeader, readHeaderLength, type SafetensorsHeader, type SafetensorsTensorInfo, type TensorToWrite } from './format';

export class SafetensorsFile implements SafetensorsHeader {
  readonly tensors: SafetensorsTensorInfo[];
  readonly metadata: Record<string, string>;
  readonly dataStart: number;
  readonly fileSize: number;
  private readonly byName: Map<string, SafetensorsTensorInfo>;
  private fd: number | null;

  private constructor(readonly path: string, fd: number, header: SafetensorsHeader) {
    this.fd = fd;
    this.tensors = header.tensors;
    this.metadata = header.metadata;
    this.dataStart = header.dataStart;
    this.fileSize = header.fileSize;
    this.byName = new Map(header.tensors.map((t) => [t.name, t]));
  }

  /** Open and validate a file; only the header is read. */
  static open(path: string): SafetensorsFile {
    const fd = openSync(path, 'r');
    try {
      const fileSize = fstatSync(fd).size;
      const prefix = new Uint8Array(Math.min(8, fileSize));
      readFully(fd, prefix, 0);
      const headerLength = readHeaderLength(prefix, fileSize, path);
      const headerBytes = new Uint8Array(headerLength);
      readFully(fd, headerBytes, 8);
      return new SafetensorsFile(path, fd, parseHeader(headerBytes, fileSize, path));
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  info(name: string): SafetensorsTensorInfo {
    const t = this.byName.get(name);
    if (!t) throw new Error(`${this.path} has no tensor "${name}".`);
    return t;
  }

  /** Absolute byte range of a tensor's data in the file (for ONNX external data). */
  location(name: string): { path: string; offset: number; length: number } {
    const t = this.info(name);
    return { path: this.path, offset: t.byteOffset, length: t.byteLength };
  }

  /** Raw bytes of a tensor, or of a byte range within it (for row slices of fused weights). */
  readBytes(name: string, start = 0, length?: number): Uint8Array {
    const t = this.info(name);
    const len = length ?? t.byteLength - start;
    if (start < 0 || len < 0 || start + len > t.byteLength) {
      throw new Error(`Byte range [${start}, ${start + len}) is outside tensor "${name}" (${t.byteLength} bytes).`);
    }
    const out = new Uint8Array(len);
    readFully(this.requireFd(), out, t.byteOffset + start);
    return out;
  }

  /** Raw bytes at an absolute file range inside the data section (from `location` or a row slice of it). */
  readAt(byteOffset: number, byteLength: number): Uint8Array {
    if (!Number.isSafeInteger(byteOffset) || !Number.isSafeInteger(byteLength) || byteLength < 0 || byteOffset < this.dataStart || byteOffset + byteLength > this.fileSize) {
      throw new Error(`Byte range [${byteOffset}, ${byteOffset + byteLength}) is outside the data section of ${this.path}.`);
    }
    const out = new Uint8Array(byteLength);
    readFully(this.requireFd(), out, byteOffset);
    return out;
  }

  readFloat32(name: string): Float32Array {
    return toFloat32(this.info(name).dtype, this.readBytes(name));
  }

  readFloat64(name: string): Float64Array {
    return toFloat64(this.info(name).dtype, this.readBytes(name));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private requireFd(): number {
    if (this.fd === null) throw new Error(`${this.path} was already closed.`);
    return this.fd;
  }
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.byteLength) {
    const n = readSync(fd, into, done, into.byteLength - done, position + done);
    if (n === 0) throw new Error(`Unexpected end of file at byte ${position + done}.`);
    done += n;
  }
}

/** Write a safetensors file atomically (temporary file, fsync, rename), streaming tensor by tensor. */
export function writeSafetensorsFile(path: string, tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): void {
  const { head, chunks } = layoutSafetensors(tensors, metadata);
  writeFileAtomic(path, [head, ...chunks]);
}
