import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ProjectStore } from '@lora-studio/store';
import { afterAll, describe, expect, it } from 'vitest';
import { makeSmallDisk } from '@lora-studio/store/testing';
import { runCli } from './testing/run-cli';

const disk = makeSmallDisk();
afterAll(() => disk.unmount());
const needsDisk = disk.dir === undefined ? ` (skipped: ${disk.reason})` : '';

const cli = (args: string[]) => runCli(args, { LORA_STUDIO_HOME: mkdtempSync(join(tmpdir(), 'ls-cli-home-')) });

/** What a user can act on: one sentence, no stack trace, no "try again" for a disk that cannot take it. */
function expectActionable(stderr: string) {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toMatch(/try again|disk I\/O error|unable to open database file/i);
}

describe('CLI errors a user can act on', () => {
  it('import shows a note on an imported file: a caption over the limit was not kept', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ls-cli-note-'));
    const dir = join(home, 'p');
    ProjectStore.create(dir, { name: 'P', type: 'style', trigger: 'flt' }).close();
    const src = join(home, 'src');
    mkdirSync(src);
    await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 40, b: 40 } } }).png().toFile(join(src, 'a.png'));
    writeFileSync(join(src, 'a.txt'), 'flt, '.repeat(4000));
    const r = await cli(['import', dir, src]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^imported {2}.*a\.png — Its caption file a\.txt is 20 KB, over the 16 KB limit, so the caption was not kept/m);
  });

  it('project create keeps who or what a subject is, and refuses --subject on other types', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ls-cli-kind-'));
    const made = await cli(['project', 'create', join(home, 'teddy'), '--name', 'Teddy', '--type', 'subject', '--subject', 'thing', '--trigger', 'tdy', '--json']);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ type: 'subject', subjectKind: 'thing' });
    const wrong = await cli(['project', 'create', join(home, 'ink'), '--name', 'Ink', '--type', 'style', '--subject', 'thing', '--trigger', 'ink']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--subject goes with --type subject/);
  });

  it('project create under /proc fails at once with a clear sentence', async () => {
    const r = await cli(['project', 'create', '/proc/x', '--name', 'P', '--type', 'style', '--trigger', 'pp']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('/proc/x is inside /proc, a folder the operating system makes up; choose a folder in your home or on a data disk.');
  });

  it('train --out under /proc fails at once too, before loading the model', async () => {
    const r = await cli(['train', mkdtempSync(join(tmpdir(), 'ls-cli-data-')), '--type', 'style', '--trigger', 'pp', '--out', '/proc/run']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('/proc/run is inside /proc, a folder the operating system makes up; choose a folder in your home or on a data disk.');
  });

  it.skipIf(!disk.dir)(`on a full disk, project create leaves nothing and report names the disk and its free space${needsDisk}`, async () => {
    const dir = join(disk.dir!, 'me');
    ProjectStore.create(dir, { name: 'Me', type: 'subject', trigger: 'sks' }).close();
    disk.fill();
    try {
      const create = await cli(['project', 'create', join(disk.dir!, 'other'), '--name', 'O', '--type', 'style', '--trigger', 'oo']);
      expect(create.code).toBe(1);
      expect(create.stderr).toMatch(/^The disk that holds .*other is full \(0\.\d MB free\)\. Free space on it, or choose a folder on another disk\.$/m);
      expectActionable(create.stderr);
      expect(existsSync(join(disk.dir!, 'other'))).toBe(false);

      const report = await cli(['report', dir]);
      expect(report.code).toBe(1);
      expect(report.stderr.trim()).toBe(`The disk that holds ${dir} is full (0.0 MB free). Free space on it, or choose a folder on another disk.`);
      expectActionable(report.stderr);
    } finally {
      disk.makeRoom();
    }
    expect(readdirSync(disk.dir!).sort()).toEqual(['me']);
  });

  it.skipIf(!disk.dir)(`on a read-only disk, captions lint says the folder is read-only${needsDisk}`, async () => {
    const dir = join(disk.dir!, 'ro');
    ProjectStore.create(dir, { name: 'Ro', type: 'style', trigger: 'flt' }).close();
    disk.remount('ro');
    try {
      const lint = await cli(['captions', 'lint', dir]);
      expect(lint.code).toBe(1);
      expect(lint.stderr.trim()).toBe(`${dir} is read-only; choose a writable folder, or make that disk writable.`);
      expectActionable(lint.stderr);
    } finally {
      disk.remount('rw');
    }
  });
});
