import { assertUsablePath, confinedPathOrUndefined, FileRefusedError, readChunksCapped, readFileCapped } from '@lora-studio/store';
import { isUtf8 } from 'node:buffer';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, parse } from 'node:path';

/** The JSONL file name datasets use (Hugging Face imagefolder convention: file_name + text). */
export const JSONL_FILE = 'metadata.jsonl';

/**
 * Limits on what a caption import reads, so a wrong file (a disk image, /dev/zero, a log) ends with a message instead
 * of filling memory. One caption: the same 16 KB the image import keeps from a sidecar (IMPORT_LIMITS.maxCaptionBytes
 * in @lora-studio/media); one JSONL line: a caption with its name, hash and JSON escapes fits in far less than 1 MB.
 */
export const CAPTION_FILE_LIMITS = {
  maxCaptionBytes: 16 * 1024,
  maxLineBytes: 1024 * 1024,
  /** All captions of one import together, sidecars or JSONL: 100,000 long captions stay below. */
  maxTotalBytes: 256 * 1024 * 1024,
} as const;

/** One caption read from a file, matched to an image by hash when given, else by file name. */
export interface IncomingCaption {
  key: string;
  hash: string | null;
  text: string;
  reviewed: boolean;
}

const NOTHING = 'Nothing was imported.';

function refusal(err: unknown): Error {
  if (err instanceof FileRefusedError) return new Error(`${err.message} ${NOTHING}`);
  const code = (err as NodeJS.ErrnoException).code;
  const path = (err as NodeJS.ErrnoException).path ?? 'The file';
  if (code === 'EACCES' || code === 'EPERM') return new Error(`${path} may not be read (permission denied); check its permissions. ${NOTHING}`);
  if (code === 'ENXIO') return new Error(`${path} is a socket or a device, not a caption file. ${NOTHING}`);
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * The .txt sidecars of a folder. Every file is checked before any caption is kept: a link that leads out of the
 * folder, a name that is not UTF-8, something that is not a regular file or a caption over the limit stops the
 * import with a message naming it, rather than dropping it without a word.
 */
export function readSidecars(dir: string): IncomingCaption[] {
  assertUsablePath(dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`${dir} is not a folder. Choose the folder that holds the .txt caption files.`);
  }
  const names: string[] = [];
  for (const raw of readdirSync(dir, { encoding: 'buffer' })) {
    if (!raw.toString('latin1').toLowerCase().endsWith('.txt')) continue;
    if (!isUtf8(raw)) {
      throw new Error(`The name of ${join(dir, raw.toString('utf8'))} is not valid UTF-8, so it cannot be matched to an image; rename it. ${NOTHING}`);
    }
    names.push(raw.toString('utf8'));
  }
  const out: IncomingCaption[] = [];
  let total = 0;
  for (const f of names.sort()) {
    const path = join(dir, f);
    if (confinedPathOrUndefined(dir, path) === undefined) {
      throw new Error(`${path} is a link that leads outside ${dir}; put the caption file itself in the folder. ${NOTHING}`);
    }
    let bytes: Buffer;
    try {
      bytes = readFileCapped(path, CAPTION_FILE_LIMITS.maxCaptionBytes, 'a caption');
    } catch (err) {
      throw refusal(err);
    }
    total += bytes.length;
    if (total > CAPTION_FILE_LIMITS.maxTotalBytes) {
      throw new Error(`The caption files in ${dir} hold more than ${CAPTION_FILE_LIMITS.maxTotalBytes / 2 ** 20} MB together; import them folder by folder. ${NOTHING}`);
    }
    out.push({ key: parse(f).name, hash: null, text: bytes.toString('utf8').trim(), reviewed: false });
  }
  return out;
}

/**
 * Captions from a JSONL file (or a folder holding metadata.jsonl), read line by line: a line longer than the limit,
 * a file that is not regular (/dev/zero, a pipe) or larger than the total limit stops the import with its reason.
 */
export function readJsonl(from: string): IncomingCaption[] {
  assertUsablePath(from);
  const file = existsSync(from) && statSync(from).isDirectory() ? join(from, JSONL_FILE) : from;
  if (!existsSync(file)) throw new Error(`${file} does not exist. Choose a .jsonl file with one {"file_name", "text"} object per line.`);
  const name = basename(file);
  const out: IncomingCaption[] = [];
  const decoder = new TextDecoder('utf-8');
  let lineNumber = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const takeLine = (bytes: Buffer) => {
    lineNumber++;
    const line = decoder.decode(bytes);
    if (line.trim() === '') return;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${name} line ${lineNumber} is not valid JSON; nothing was imported. Fix or remove that line.`);
    }
    const file = row?.file_name ?? row?.file ?? row?.image;
    const text = row?.text ?? row?.caption;
    if (typeof file !== 'string' || typeof text !== 'string') {
      throw new Error(`${name} line ${lineNumber} needs "file_name" and "text" strings; nothing was imported.`);
    }
    if (Buffer.byteLength(text) > CAPTION_FILE_LIMITS.maxCaptionBytes) {
      throw new Error(`${name} line ${lineNumber} holds a caption over the ${CAPTION_FILE_LIMITS.maxCaptionBytes / 1024} KB limit; shorten it. ${NOTHING}`);
    }
    out.push({ key: parse(file).name, hash: typeof row.sha256 === 'string' ? row.sha256 : null, text: text.trim(), reviewed: row.reviewed === true });
  };
  const tooLong = () =>
    new Error(`${name} line ${lineNumber + 1} is longer than ${CAPTION_FILE_LIMITS.maxLineBytes / 2 ** 20} MB, so it is not a caption line (is this the right file?). ${NOTHING}`);
  try {
    readChunksCapped(file, CAPTION_FILE_LIMITS.maxTotalBytes, 'a captions file', (chunk) => {
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        if (pendingBytes + nl - start > CAPTION_FILE_LIMITS.maxLineBytes) throw tooLong();
        const piece = chunk.subarray(start, nl);
        takeLine(pendingBytes === 0 ? piece : Buffer.concat([...pending, piece]));
        pending = [];
        pendingBytes = 0;
        start = nl + 1;
      }
      if (start < chunk.length) {
        pendingBytes += chunk.length - start;
        if (pendingBytes > CAPTION_FILE_LIMITS.maxLineBytes) throw tooLong();
        // A copy: the chunk's buffer is reused for the next read.
        pending.push(Buffer.from(chunk.subarray(start)));
      }
    });
  } catch (err) {
    throw refusal(err);
  }
  if (pendingBytes > 0) takeLine(Buffer.concat(pending));
  return out;
}
