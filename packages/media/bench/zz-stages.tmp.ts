import sharp from 'sharp';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { prepareImage } from '../src/prepare';
const dir = process.argv[2]!;
const files = readdirSync(dir).slice(0, 30).map((f) => readFileSync(join(dir, f)));
const time = async (label: string, fn: (b: Buffer) => Promise<unknown>) => {
  for (const b of files.slice(0, 3)) await fn(b);
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) { const t = performance.now(); for (const b of files) await fn(b); runs.push((performance.now() - t) / files.length); }
  console.log(label.padEnd(40), runs.map((x) => x.toFixed(1)).join(' '));
};
await time('bare', (b) => sharp(b).resize(1024, 1024, { fit: 'inside' }).jpeg().toBuffer());
await time('prepareImage', (b) => prepareImage(b));
await time('metadata', (b) => sharp(b).metadata());
await time('sha256', async (b) => createHash('sha256').update(b).digest('hex'));
await time('full decode raw', (b) => sharp(b).autoOrient().flatten({ background: '#fff' }).toColourspace('srgb').raw().toBuffer());
await time('fused decode+resize raw', (b) => sharp(b).autoOrient().flatten({ background: '#fff' }).toColourspace('srgb').resize(1024, 1024, { fit: 'inside', withoutEnlargement: true }).raw().toBuffer());
await time('window extract raw', (b) => sharp(b).autoOrient().extract({ left: 744, top: 496, width: 512, height: 512 }).raw().toBuffer());
const big = await sharp(files[0]).resize(1024, 1024, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
await time('jpeg encode 1024 from raw', () => sharp(big.data, { raw: big.info }).jpeg({ quality: 85 }).toBuffer());
await time('resize 1024->512 raw', () => sharp(big.data, { raw: big.info }).resize(512, 512, { fit: 'inside' }).raw().toBuffer());
