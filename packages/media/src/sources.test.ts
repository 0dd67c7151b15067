import { zipSync } from 'fflate';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSources } from './sources';

const temp = (p: string) => mkdtempSync(join(tmpdir(), p));
const bytes = (s: string) => new TextEncoder().encode(s);

async function find(inputs: Parameters<typeof findSources>[0]) {
  const { sources, refused } = await findSources(inputs);
  return { sources, reason: (label: string) => refused.find((r) => r.label === label)?.reason };
}

describe('findSources', () => {
  it('refuses images and caption sidecars that link outside the imported folder, and follows links that stay inside', async () => {
    const outside = temp('ls-outside-');
    writeFileSync(join(outside, 'secret.txt'), 'the contents of a private file');
    writeFileSync(join(outside, 'photo.jpg'), 'jpeg bytes');
    mkdirSync(join(outside, 'more'));
    writeFileSync(join(outside, 'more', 'x.jpg'), 'jpeg bytes');
    const src = temp('ls-src-');
    writeFileSync(join(src, 'a.jpg'), 'jpeg bytes');
    symlinkSync(join(outside, 'secret.txt'), join(src, 'a.txt'));
    symlinkSync(join(outside, 'photo.jpg'), join(src, 'b.jpg'));
    symlinkSync(join(outside, 'more'), join(src, 'linked-folder'));
    writeFileSync(join(src, 'c.jpg'), 'jpeg bytes');
    symlinkSync(join(src, 'c.jpg'), join(src, 'd.jpg'));

    const { sources, reason } = await find([src]);
    expect(sources.map((s) => s.name)).toEqual(['a.jpg', 'c.jpg', 'd.jpg']);
    expect(sources[0]!.caption).toBeNull();
    for (const name of ['a.txt', 'b.jpg', 'linked-folder']) expect(reason(join(src, name))).toMatch(/link that leads outside the folder being imported/);
    // The user may still import the place a link leads to by naming it.
    expect((await find([join(outside, 'photo.jpg')])).sources).toHaveLength(1);
  });

  it('keeps the image but not a caption over 16 KB, and says so; reads devices and pipes as nothing', async () => {
    const src = temp('ls-src-');
    writeFileSync(join(src, 'long.jpg'), 'jpeg bytes');
    writeFileSync(join(src, 'long.txt'), 'word '.repeat(5000));
    writeFileSync(join(src, 'short.jpg'), 'jpeg bytes');
    writeFileSync(join(src, 'short.txt'), 'a short caption\n');
    symlinkSync('/dev/zero', join(src, 'zero.jpg'));
    let fifo = false;
    try {
      execFileSync('mkfifo', [join(src, 'pipe.txt')]);
      execFileSync('mkfifo', [join(src, 'pipe.jpg')]);
      fifo = true;
    } catch {
      // no mkfifo here: the pipe cases are left out
    }
    const { sources, reason } = await find([src]);
    const by = Object.fromEntries(sources.map((s) => [s.name, s]));
    expect(by['long.jpg']).toMatchObject({ caption: null, note: expect.stringMatching(/long\.txt is 25 KB, over the 16 KB limit, so the caption was not kept/) });
    expect(by['short.jpg']).toMatchObject({ caption: 'a short caption' });
    expect(by['short.jpg']!.note).toBeUndefined();
    expect(by['zero.jpg']).toBeUndefined();
    expect(reason(join(src, 'zero.jpg'))).toMatch(/link that leads outside/);
    if (fifo) {
      expect(reason(join(src, 'pipe.txt'))).toMatch(/caption file was not read: .* is a pipe/);
      expect(reason(join(src, 'pipe.jpg'))).toMatch(/Not a regular file/);
    }
  });

  it('refuses an image over the size limit before reading it', async () => {
    const src = temp('ls-src-');
    // Sparse: 300 MB long, no disk used, and reading it whole is exactly what must not happen.
    writeFileSync(join(src, 'huge.jpg'), '');
    truncateSync(join(src, 'huge.jpg'), 300 * 1024 * 1024);
    const { sources } = await find([src]);
    await expect(sources[0]!.read()).rejects.toThrow(/is 300 MB, over the 256 MB limit for an image; it was not read/);
    await expect((await find([{ path: '/dev/zero', name: 'upload.jpg' }])).sources[0]!.read()).rejects.toThrow(/is a device, not a regular file/);
  });

  it('names a file whose name is not valid UTF-8 as such, not as missing; a NUL in a path is refused plainly', async () => {
    const src = temp('ls-src-');
    const latin1Name = Buffer.concat([Buffer.from(`${src}/caf`), Buffer.from([0xe9]), Buffer.from('.jpg')]);
    writeFileSync(latin1Name, 'jpeg bytes');
    writeFileSync(join(src, 'ok.jpg'), 'jpeg bytes');
    const { sources, reason } = await find([src]);
    expect(sources.map((s) => s.name)).toEqual(['ok.jpg']);
    expect(reason(join(src, 'caf\uFFFD.jpg'))).toMatch(/name is not valid UTF-8.*rename it/);
    // The same file named on the command line arrives with U+FFFD in place of the byte Node could not decode.
    expect((await find([join(src, 'caf\uFFFD.jpg')])).reason(join(src, 'caf\uFFFD.jpg'))).toMatch(/not valid UTF-8/);
    expect((await find([join(src, 'nothing-here.jpg')])).reason(join(src, 'nothing-here.jpg'))).toMatch(/does not exist/);
    expect((await find([`${src}/a\0.jpg`])).reason(`${src}/a\0.jpg`)).toMatch(/not a usable path \(it contains a NUL character\)/);
  });

  it('reads zip captions, keeps an image whose zipped caption is too long, and refuses a damaged zip as one line', async () => {
    const src = temp('ls-src-');
    writeFileSync(join(src, 'set.zip'), zipSync({ 'a.jpg': bytes('jpeg a'), 'a.txt': bytes('x'.repeat(20_000)), 'b.jpg': bytes('jpeg b'), 'b.txt': bytes('fine') }));
    const { sources } = await find([join(src, 'set.zip')]);
    expect(sources.map((s) => [s.name, s.caption, s.note?.slice(0, 40)])).toEqual([
      ['a.jpg', null, 'Its caption file a.txt is 20 KB, over th'],
      ['b.jpg', 'fine', undefined],
    ]);
    expect((await sources[1]!.read()).toString()).toBe('jpeg b');
    writeFileSync(join(src, 'cut.zip'), Buffer.from(zipSync({ 'a.jpg': bytes('jpeg a') })).subarray(0, 40));
    expect((await find([join(src, 'cut.zip')])).reason(join(src, 'cut.zip'))).toMatch(/The zip could not be opened: it has no table of contents/);
  });
});
