import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createStudio } from '../index';

function studio(home = mkdtempSync(join(tmpdir(), 'ls-core-captions-'))) {
  const events: { name: string; payload: any }[] = [];
  const s = createStudio({ home, mode: 'browser', emit: (name, payload) => events.push({ name, payload }) });
  return { ...s, home, events };
}
type Studio = ReturnType<typeof studio>;

async function call(s: Studio, name: string, args: unknown) {
  const res = await s.dispatcher.call(1, name, args);
  if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
  return res.result as any;
}

/** A project with real images, registered in the images table as the importer would. */
async function projectWithImages(s: Studio, colours: [number, number, number][]) {
  const p = await call(s, 'project-create', { name: 'Caption test', type: 'subject', trigger: 'sks' });
  const store = s.ctx.project(p.dir);
  const ids: number[] = [];
  for (const [i, [r, g, b]] of colours.entries()) {
    const file = `images/img${i}.png`;
    await sharp({ create: { width: 48, height: 32, channels: 3, background: { r, g, b } } }).png().toFile(join(p.dir, file));
    ids.push(
      Number(
        store.db
          .prepare('INSERT INTO images (hash, file, source_name, width, height, format, imported_at) VALUES (?, ?, ?, 48, 32, ?, ?)')
          .run(`hash${i}`, file, `photo ${i}.png`, 'png', new Date().toISOString()).lastInsertRowid,
      ),
    );
  }
  return { dir: p.dir as string, ids };
}

describe('caption handlers', () => {
  it('edit, find/replace with preview, undo, mark reviewed; all persisted across a restart', async () => {
    const s = studio();
    const { dir, ids } = await projectWithImages(s, [[200, 30, 30], [30, 30, 200], [120, 120, 120]]);
    const [a, b, c] = ids as [number, number, number];
    // Autosave while typing: one editing session is one undo step.
    await call(s, 'captions-update', { dir, imageId: a, text: 'a photo of sks person with red', editSession: 'e1' });
    const typed = await call(s, 'captions-update', { dir, imageId: a, text: 'a photo of sks person with red hair', editSession: 'e1' });
    expect(typed.item).toMatchObject({ text: 'a photo of sks person with red hair', source: 'user', reviewed: false, issues: [] });
    await call(s, 'captions-update', { dir, imageId: b, text: 'red hair, smiling' });
    const late = await call(s, 'captions-update', { dir, imageId: c, text: 'A woman with red hair reading a book' });
    expect(late.item.issues.map((i: any) => i.rule)).toEqual(['trigger-missing', 'leak']);

    const op = { kind: 'replace', find: 'red', replace: 'auburn', regex: false, caseSensitive: false, wholeWord: true };
    const preview = await call(s, 'captions-batch-preview', { dir, op });
    expect(preview).toMatchObject({ label: 'Find and replace "red" → "auburn"', edits: 3 });
    expect(preview.changes.map((ch: any) => ch.after)).toEqual([
      'a photo of sks person with auburn hair',
      'auburn hair, smiling',
      'A woman with auburn hair reading a book',
    ]);
    // The preview wrote nothing.
    expect((await call(s, 'captions-list', { dir })).items[0].text).toBe('a photo of sks person with red hair');
    const applied = await call(s, 'captions-batch-apply', { dir, op });
    expect(applied).toMatchObject({ changed: 3, history: { undo: 'Find and replace "red" → "auburn"', redo: null } });
    const undone = await call(s, 'captions-undo', { dir });
    expect(undone).toMatchObject({ label: 'Find and replace "red" → "auburn"', imageIds: [a, b, c] });
    expect(undone.history.redo).toBe('Find and replace "red" → "auburn"');

    await call(s, 'captions-set-reviewed', { dir, imageIds: [a, b], reviewed: true });
    await call(s, 'captions-batch-apply', { dir, op: { kind: 'insert-trigger' }, imageIds: [b, c] });
    expect(s.events.filter((e) => e.name === 'captions-changed').length).toBeGreaterThanOrEqual(6);
    s.close();

    const again = studio(s.home);
    const list = await call(again, 'captions-list', { dir });
    expect(list.items.map((i: any) => [i.text, i.reviewed])).toEqual([
      ['a photo of sks person with red hair', true],
      ['a photo of sks person, red hair, smiling', true],
      ['a photo of sks person, a woman with red hair reading a book', false],
    ]);
    expect(list).toMatchObject({ reviewed: 2, total: 3, triggerPhrase: 'a photo of sks person', history: { undo: 'Insert trigger "sks"' } });
    expect(list.leaks.map((l: any) => [l.tag, l.count])).toEqual([['red hair', 3]]);
    expect(list.flagged).toBe(3);
    again.close();
  });

  it('reports a broken regex and an unknown image as errors the user can act on', async () => {
    const s = studio();
    const { dir, ids } = await projectWithImages(s, [[10, 10, 10]]);
    const bad = await s.dispatcher.call(1, 'captions-batch-preview', {
      dir,
      op: { kind: 'replace', find: '(red', replace: 'x', regex: true, caseSensitive: false, wholeWord: false },
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/regular expression is not valid/) } });
    const lookahead = await s.dispatcher.call(1, 'captions-batch-preview', {
      dir,
      op: { kind: 'replace', find: 'red(?= hair)', replace: 'x', regex: true, caseSensitive: false, wholeWord: false },
    });
    expect(lookahead).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/does not support lookarounds or backreferences/) } });
    const tooLong = await s.dispatcher.call(1, 'captions-batch-preview', {
      dir,
      op: { kind: 'replace', find: 'a'.repeat(1001), replace: 'x', regex: false, caseSensitive: false, wholeWord: false },
    });
    expect(tooLong).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/too long; shorten it to 1,000/) } });
    // Backtracking would need about 2^34 steps here and never answer; the host answers at once.
    await call(s, 'captions-update', { dir, imageId: ids[0], text: `${'a'.repeat(34)}!` });
    const nested = await call(s, 'captions-batch-preview', {
      dir,
      op: { kind: 'replace', find: '(a+)+$', replace: 'x', regex: true, caseSensitive: false, wholeWord: false },
    });
    expect(nested).toMatchObject({ edits: 0, changes: [] });
    const found = await call(s, 'captions-batch-preview', {
      dir,
      op: { kind: 'replace', find: '(a+)+!$', replace: 'x', regex: true, caseSensitive: false, wholeWord: false },
    });
    expect(found).toMatchObject({ edits: 1, changes: [{ after: 'x' }] });
    const missing = await s.dispatcher.call(1, 'captions-update', { dir, imageId: 999, text: 'x' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
    s.close();
  });

  it('auto-captions with the template, never touching reviewed captions, then exports and re-imports', async () => {
    const s = studio();
    const { dir, ids } = await projectWithImages(s, [[220, 20, 20], [20, 20, 220], [250, 250, 250]]);
    await call(s, 'captions-update', { dir, imageId: ids[2], text: 'a photo of sks person, mine', reviewed: true });
    const summary = await call(s, 'captions-auto', { dir, captioner: { kind: 'template' }, overwrite: 'unreviewed' });
    expect(summary).toMatchObject({ total: 2, captioned: 2, skipped: 1, failed: [], cancelled: false, stoppedBy: null });
    const list = await call(s, 'captions-list', { dir });
    expect(list.items.map((i: any) => [i.text, i.source])).toEqual([
      ['a photo of sks person, landscape image, dim lighting, mostly red tones', 'template'],
      ['a photo of sks person, landscape image, dim lighting, mostly blue tones', 'template'],
      ['a photo of sks person, mine', 'user'],
    ]);
    const last = s.events.filter((e) => e.name === 'captions-auto-progress').at(-1)!.payload;
    expect(last).toMatchObject({ finished: true, done: 2, total: 2, captioned: 2 });

    const out = mkdtempSync(join(tmpdir(), 'ls-export-'));
    const txt = await call(s, 'captions-export', { dir, format: 'txt', outDir: join(out, 'txt') });
    expect(txt).toMatchObject({ captions: 3, skipped: 0 });
    expect(readFileSync(join(out, 'txt', 'photo 2.txt'), 'utf8')).toBe('a photo of sks person, mine\n');
    expect(existsSync(join(out, 'txt', 'photo 2.png'))).toBe(true);
    const jsonl = await call(s, 'captions-export', { dir, format: 'jsonl', outDir: join(out, 'jsonl'), withImages: false });
    expect(jsonl.files).toEqual(['metadata.jsonl']);
    const lines = readFileSync(join(out, 'jsonl', 'metadata.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[2]).toMatchObject({ file_name: 'photo 2.png', text: 'a photo of sks person, mine', sha256: 'hash2', reviewed: true });

    // Sidecars edited elsewhere come back: unreviewed ones replace, the reviewed one is kept unless allowed.
    const edited = join(out, 'edited');
    mkdirSync(edited);
    writeFileSync(join(edited, 'photo 0.txt'), 'a photo of sks person on a red sofa\n');
    writeFileSync(join(edited, 'photo 2.txt'), 'a photo of sks person, changed\n');
    writeFileSync(join(edited, 'stranger.txt'), 'nobody\n');
    const imported = await call(s, 'captions-import', { dir, format: 'txt', from: edited });
    expect(imported).toMatchObject({ imported: 1, keptReviewed: 1, unmatched: ['stranger'], history: { undo: 'Import captions from edited' } });
    writeFileSync(join(out, 'broken.jsonl'), '{"file_name":"photo 1.png","text":"ok"}\n{oops\n');
    const broken = await s.dispatcher.call(1, 'captions-import', { dir, format: 'jsonl', from: join(out, 'broken.jsonl') });
    expect(broken).toMatchObject({ ok: false, error: { message: expect.stringMatching(/line 2 is not valid JSON; nothing was imported/) } });
    expect((await call(s, 'captions-list', { dir })).items[1].text).toBe('a photo of sks person, landscape image, dim lighting, mostly blue tones');
    s.close();
  });

  it('keeps the vision API key in the app store, not in the project file', async () => {
    const s = studio();
    const { dir } = await projectWithImages(s, [[10, 10, 10]]);
    const settings = await call(s, 'captions-settings-update', {
      dir,
      vision: { url: 'https://api.example.com/v1', model: 'vision-mini' },
      tagger: { threshold: 0.5 },
      apiKey: 'secret-key-123',
    });
    expect(settings).toMatchObject({ apiKeySet: true, tagger: { threshold: 0.5, characterThreshold: 0.85 }, vision: { model: 'vision-mini' } });
    s.close();
    for (const f of ['project.sqlite', 'project.sqlite-wal']) {
      if (existsSync(join(dir, f))) expect(readFileSync(join(dir, f)).includes('secret-key-123')).toBe(false);
    }
    const again = studio(s.home);
    expect(again.ctx.app.setting('captions.apiKey https://api.example.com')).toBe('secret-key-123');
    expect((await call(again, 'captions-settings-get', { dir })).apiKeySet).toBe(true);
    expect((await call(again, 'captions-settings-update', { dir, apiKey: null })).apiKeySet).toBe(false);
    again.close();
  });
});
