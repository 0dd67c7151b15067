import { createRequire } from 'node:module';
import sharp from 'sharp';
import { createWorker, OEM, type Worker } from 'tesseract.js';
import { THRESHOLDS } from './thresholds';

/** What OCR read in one image: the words that count as real text, and their mean confidence (0–100). */
export interface TextFinding {
  words: string[];
  confidence: number;
}

/** The English model ships inside @tesseract.js-data/eng, so OCR never downloads anything. */
const eng = createRequire(import.meta.url)('@tesseract.js-data/eng') as { langPath: string; gzip: boolean };

/**
 * Tesseract's fully automatic page segmentation. On generated stamps over grainy photos it found the words where the
 * "sparse text" mode (11) missed them; tesseract.js would otherwise assume one uniform block of text (6).
 */
const AUTOMATIC_PAGE_SEGMENTATION = '3';
/** OCR reads the upright image at the large-thumbnail size: small watermarks stay legible, cost stays bounded. */
export const TEXT_INPUT_SIZE = 1024;

/**
 * Reads text in images with tesseract.js (offline). Photo textures make OCR "see" short, unsure words, so only words
 * of at least THRESHOLDS.text.minWordLength letters or digits read with at least minConfidence count as text.
 */
export class TextReader {
  private constructor(private readonly worker: Worker) {}

  /** Loads the OCR engine and its English model (a few seconds; do it once per thread). */
  static async create(): Promise<TextReader> {
    const worker = await createWorker('eng', OEM.LSTM_ONLY, { langPath: eng.langPath, gzip: eng.gzip, cacheMethod: 'none' });
    await worker.setParameters({ tessedit_pageseg_mode: AUTOMATIC_PAGE_SEGMENTATION as never });
    return new TextReader(worker);
  }

  /** `image`: any encoded image sharp reads; ideally the 1024-px thumbnail, which needs no resizing. */
  async read(image: Buffer): Promise<TextFinding> {
    // Grey, upright and lossless: colour and JPEG noise only disturb tesseract's binarisation.
    const grey = await sharp(image, { failOn: 'truncated' })
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .resize(TEXT_INPUT_SIZE, TEXT_INPUT_SIZE, { fit: 'inside', withoutEnlargement: true })
      .greyscale()
      .png({ compressionLevel: 1 })
      .toBuffer();
    const { data } = await this.worker.recognize(grey, {}, { blocks: true, text: false });
    const kept: { text: string; confidence: number }[] = [];
    for (const block of data.blocks ?? []) {
      for (const paragraph of block.paragraphs) {
        for (const line of paragraph.lines) {
          for (const word of line.words) {
            const letters = word.text.replace(/[^\p{L}\p{N}]/gu, '');
            if (letters.length >= THRESHOLDS.text.minWordLength && word.confidence >= THRESHOLDS.text.minConfidence) {
              kept.push({ text: word.text.trim(), confidence: word.confidence });
            }
          }
        }
      }
    }
    const confidence = kept.length ? kept.reduce((s, w) => s + w.confidence, 0) / kept.length : 0;
    return { words: kept.map((w) => w.text), confidence: Math.round(confidence * 10) / 10 };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
