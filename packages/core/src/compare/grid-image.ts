// The grid as one labelled PNG (for the CLI and for sharing): column headers on top, prompts on the left, cells
// enlarged with nearest-neighbour sampling so small images stay crisp. Labels are SVG text drawn by sharp.
import sharp, { type OverlayOptions } from 'sharp';
import type { GridResult } from './grid';

const HEADER = 40;
const ROW_LABEL = 240;
const GAP = 4;
const MIN_CELL = 128;

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** Greedy word wrap into at most `lines` lines of about `width` characters; the last line ends with … if cut. */
function wrap(text: string, width: number, lines: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if ((line + ' ' + word).trim().length > width && line) {
      out.push(line);
      line = word;
    } else line = (line + ' ' + word).trim();
  }
  if (line) out.push(line);
  if (out.length > lines) {
    out.length = lines;
    out[lines - 1] = `${out[lines - 1]!.slice(0, width - 1)}…`;
  }
  return out;
}

function label(lines: string[], width: number, height: number, align: 'start' | 'middle'): Buffer {
  const x = align === 'middle' ? width / 2 : 6;
  const top = (height - lines.length * 15) / 2 + 12;
  const text = lines
    .map((l, i) => `<text x="${x}" y="${top + i * 15}" text-anchor="${align}" font-family="sans-serif" font-size="12" fill="#222">${escapeXml(l)}</text>`)
    .join('');
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${text}</svg>`);
}

export async function gridPng(grid: GridResult): Promise<Buffer> {
  const scaleUp = Math.max(1, Math.ceil(MIN_CELL / Math.max(grid.width, grid.height)));
  const cw = grid.width * scaleUp;
  const ch = grid.height * scaleUp;
  const cols = grid.columns.length;
  const width = ROW_LABEL + cols * (cw + GAP);
  const height = HEADER + grid.prompts.length * (ch + GAP);
  const layers: OverlayOptions[] = [];
  for (const [c, col] of grid.columns.entries()) {
    layers.push({ input: label(wrap(col.label, Math.floor(cw / 7), 2), cw, HEADER, 'middle'), left: ROW_LABEL + c * (cw + GAP), top: 0 });
  }
  for (const [r, prompt] of grid.prompts.entries()) {
    const top = HEADER + r * (ch + GAP);
    layers.push({ input: label(wrap(prompt, 34, Math.max(1, Math.floor(ch / 15))), ROW_LABEL, ch, 'start'), left: 0, top });
    for (let c = 0; c < cols; c++) {
      const cell = grid.cells[r * cols + c]!;
      const input = await sharp(cell.file).resize(cw, ch, { kernel: 'nearest' }).png().toBuffer();
      layers.push({ input, left: ROW_LABEL + c * (cw + GAP), top });
    }
  }
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(layers).png().toBuffer();
}
