// The text encoder's word path: each byte of a prompt carries the row of the word it belongs to in a learned table.
// Names are what the byte path found hard to learn ("tulip" and "tiger" share most bytes but are different
// pictures); one vector per word makes a name one lookup away. The table has a row for every word of the
// pretraining captions (the vocabulary, stored in model.json), so no two known words share a row. Every other word
// gets the "unknown word" row, which pretraining never sees and so stays exactly zero: an unseen trigger word
// ("sks", "flt") is carried by the byte path alone, with no borrowed meaning, and any string still has an encoding.

/** Row of separator and padding bytes. */
export const NOT_A_WORD = 0;
/** Row of every word outside the vocabulary. */
export const UNKNOWN_WORD = 1;
/** Rows before the vocabulary's: row 2 + i is vocabulary word i. */
export const RESERVED_WORD_ROWS = 2;

/**
 * Word bytes: ASCII letters, digits, apostrophe and hyphen ("medium-dark" is one word), and every byte of a
 * non-ASCII character (so "piñata" or an emoji character is one word). Anything else separates words.
 */
function isWordByte(v: number): boolean {
  return v >= 0x80 || (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5a) || (v >= 0x61 && v <= 0x7a) || v === 0x27 || v === 0x2d;
}

/** [start, end) of each word in `bytes[from, to)`. */
function wordSpans(bytes: ArrayLike<number | bigint>, from: number, to: number): [number, number][] {
  const spans: [number, number][] = [];
  let i = from;
  while (i < to) {
    if (!isWordByte(Number(bytes[i]!))) { i++; continue; }
    let end = i;
    while (end < to && isWordByte(Number(bytes[end]!))) end++;
    spans.push([i, end]);
    i = end;
  }
  return spans;
}

const decoder = new TextDecoder();

/** The word as the table knows it: its bytes with ASCII letters lower-cased ("Apple" is "apple"). */
function wordText(bytes: ArrayLike<number | bigint>, start: number, end: number): string {
  const out = new Uint8Array(end - start);
  for (let i = start; i < end; i++) {
    const v = Number(bytes[i]!);
    out[i - start] = v >= 0x41 && v <= 0x5a ? v + 0x20 : v;
  }
  return decoder.decode(out);
}

/** The words of `text`, split and lower-cased exactly as the encoder does: what a vocabulary is built from. */
export function wordsOf(text: string): string[] {
  const bytes = new TextEncoder().encode(text);
  return wordSpans(bytes, 0, bytes.length).map(([s, e]) => wordText(bytes, s, e));
}

/** Sorted distinct words of `texts`. */
export function buildVocabulary(texts: Iterable<string>): string[] {
  const all = new Set<string>();
  for (const t of texts) for (const w of wordsOf(t)) all.add(w);
  return [...all].sort();
}

const indexCache = new WeakMap<readonly string[], Map<string, number>>();

function rowsOf(vocabulary: readonly string[]): Map<string, number> {
  let rows = indexCache.get(vocabulary);
  if (!rows) {
    rows = new Map(vocabulary.map((w, i) => [w, RESERVED_WORD_ROWS + i]));
    indexCache.set(vocabulary, rows);
  }
  return rows;
}

/**
 * Word row of each byte of `bytes` (int64 [B, maxBytes], as promptBytes makes them, zero-padded): the word's row for
 * bytes inside a vocabulary word, UNKNOWN_WORD inside any other word, NOT_A_WORD for separators and padding.
 */
export function wordRowIds(bytes: BigInt64Array, maxBytes: number, vocabulary: readonly string[]): BigInt64Array {
  const rows = rowsOf(vocabulary);
  const out = new BigInt64Array(bytes.length);
  for (let row = 0; row < bytes.length; row += maxBytes) {
    for (const [start, end] of wordSpans(bytes, row, row + maxBytes)) {
      out.fill(BigInt(rows.get(wordText(bytes, start, end)) ?? UNKNOWN_WORD), start, end);
    }
  }
  return out;
}
