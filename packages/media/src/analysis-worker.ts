/**
 * Entry of one analysis thread (started by AnalysisPool through analysis-worker.mjs, or bundled as analysis-worker.cjs
 * in the desktop app). Each thread loads the OCR engine and the face detector once, on first use, then analyses one
 * image at a time.
 */
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import type { AnalysisJob, AnalysisOutcome } from './analysis-messages';
import { FACE_INPUT_SIZE, FaceCounter } from './face-counter';
import { TextReader, type TextFinding } from './text-reader';

let textReader: Promise<TextReader> | undefined;
let faceCounter: Promise<FaceCounter> | undefined;

async function readImage(job: AnalysisJob): Promise<Buffer> {
  try {
    return await readFile(job.thumbnail);
  } catch {
    // The cache folder may have been cleared; the original is always kept.
    return await readFile(job.original);
  }
}

function describe(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
}

async function analyse(job: AnalysisJob): Promise<AnalysisOutcome> {
  let bytes: Buffer;
  try {
    bytes = await readImage(job);
    await sharp(bytes, { failOn: 'truncated' }).metadata();
  } catch (err) {
    return { id: job.id, ok: false, reason: `The image could not be read for text and face analysis (${describe(err)}). Re-import it if the file was changed or moved.` };
  }
  let text: TextFinding | null = null;
  let faces: number | null = null;
  if (job.analyzers.text) {
    try {
      textReader ??= TextReader.create();
      text = await (await textReader).read(bytes);
    } catch (err) {
      return { id: job.id, ok: false, reason: `Text detection (OCR) failed on this image: ${describe(err)}.` };
    }
  }
  if (job.analyzers.faces) {
    try {
      faceCounter ??= FaceCounter.create();
      const { data, info } = await sharp(bytes, { failOn: 'truncated' })
        .autoOrient()
        .flatten({ background: '#ffffff' })
        .resize(FACE_INPUT_SIZE, FACE_INPUT_SIZE, { fit: 'inside', withoutEnlargement: true })
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      faces = await (await faceCounter).count({ data, width: info.width, height: info.height });
    } catch (err) {
      return { id: job.id, ok: false, reason: `Face detection failed on this image: ${describe(err)}.` };
    }
  }
  return { id: job.id, ok: true, text, faces };
}

const port = parentPort;
if (!port) throw new Error('analysis-worker.ts runs only as a worker thread (see AnalysisPool).');
port.on('message', (job: AnalysisJob) => {
  void analyse(job).then((outcome) => port.postMessage(outcome));
});
