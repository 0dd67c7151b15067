import { UnusablePathError } from '@lora-studio/store';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonl, readSidecars } from './caption-files';

const temp = () => mkdtempSync(join(tmpdir(), 'ls-caption-files-'));

describe('caption files', () => {
  it('reads JSONL line by line, lines split across reads and CRLF endings included', () => {
    const dir = temp();
    const rows = Array.from({ length: 300 }, (_, i) => JSON.stringify({ file_name: `img-${i}.jpg`, text: `caption ${i} ${'x'.repeat(i * 3)}`, reviewed: i % 2 === 0 }));
    writeFileSync(join(dir, 'metadata.jsonl'), `${rows.join('\r\n')}\r\n\n`);
    const captions = readJsonl(dir);
    expect(captions).toHaveLength(300);
    expect(captions[299]).toEqual({ key: 'img-299', hash: null, text: `caption 299 ${'x'.repeat(897)}`, reviewed: false });
    writeFileSync(join(dir, 'null.jsonl'), 'null\n');
    expect(() => readJsonl(join(dir, 'null.jsonl'))).toThrow(/line 1 needs "file_name" and "text"/);
  });

  it('refuses /dev/zero, a line longer than 1 MB and a caption over 16 KB with a reason, reading no more than the limit', () => {
    const dir = temp();
    expect(() => readJsonl('/dev/zero')).toThrow(/\/dev\/zero is a device, not a regular file.*Nothing was imported/);
    writeFileSync(join(dir, 'one-line.jsonl'), `${JSON.stringify({ file_name: 'a.jpg', text: 'ok' })}\n${'z'.repeat(3 * 1024 * 1024)}`);
    expect(() => readJsonl(join(dir, 'one-line.jsonl'))).toThrow(/line 2 is longer than 1 MB/);
    writeFileSync(join(dir, 'long.jsonl'), `${JSON.stringify({ file_name: 'a.jpg', text: 'w '.repeat(9000) })}\n`);
    expect(() => readJsonl(join(dir, 'long.jsonl'))).toThrow(/line 1 holds a caption over the 16 KB limit/);
    expect(() => readJsonl(`${dir}/a\0.jsonl`)).toThrow(UnusablePathError);
  });

  it('refuses sidecars that link outside the folder, are too long, are not files or have non-UTF-8 names', () => {
    const outside = temp();
    writeFileSync(join(outside, 'secret.txt'), 'private');
    const make = () => {
      const dir = temp();
      writeFileSync(join(dir, 'a.txt'), 'a caption\n');
      return dir;
    };
    expect(readSidecars(make())).toEqual([{ key: 'a', hash: null, text: 'a caption', reviewed: false }]);
    const linked = make();
    symlinkSync(join(outside, 'secret.txt'), join(linked, 'b.txt'));
    expect(() => readSidecars(linked)).toThrow(/b\.txt is a link that leads outside/);
    const long = make();
    writeFileSync(join(long, 'b.txt'), 'word '.repeat(4000));
    expect(() => readSidecars(long)).toThrow(/b\.txt is 20 KB, over the 16 KB limit for a caption.*Nothing was imported/);
    const folder = make();
    mkdirSync(join(folder, 'b.txt'));
    expect(() => readSidecars(folder)).toThrow(/b\.txt is a folder, not a regular file/);
    const oddName = make();
    writeFileSync(Buffer.concat([Buffer.from(`${oddName}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]), 'x');
    expect(() => readSidecars(oddName)).toThrow(/caf\uFFFD\.txt is not valid UTF-8.*rename it/);
  });
});
