import { describe, expect, it } from 'vitest';
import { planBatch } from '../common';
import { BLUE, GREY, projectWithImages, RED } from '../../test/project';
import { ProjectCaptions } from './project-captions';

describe('project captions and their history', () => {
  it('batches undo and redo as one step, and edits of one session merge into one step', async () => {
    const { store, ids } = await projectWithImages([
      { name: 'a.png', colour: RED },
      { name: 'b.png', colour: BLUE },
      { name: 'c.png', colour: GREY },
    ]);
    const captions = new ProjectCaptions(store);
    const [a, b, c] = ids as [number, number, number];
    captions.write('Edit caption', 'edit', [{ imageId: a, text: 'a photo of sks person, red hair' }], 's1');
    captions.write('Edit caption', 'edit', [{ imageId: a, text: 'a photo of sks person, red hair, park' }], 's1');
    captions.write('Edit caption', 'edit', [{ imageId: b, text: 'a photo of sks person, red hair, beach' }], 's2');
    expect(captions.history()).toEqual({ undo: 'Edit caption', redo: null });

    const r = planBatch({ kind: 'replace', find: 'red', replace: 'blue', regex: false, caseSensitive: false, wholeWord: true }, captions.texts(), {
      trigger: 'sks',
      type: 'subject',
    });
    if (!r.ok) throw new Error(r.error);
    captions.write(r.plan.label, 'batch', r.plan.changes.map((ch) => ({ imageId: ch.imageId, text: ch.after, source: 'user' })));
    expect(captions.get(a)!.text).toBe('a photo of sks person, blue hair, park');
    expect(captions.history().undo).toBe('Find and replace "red" → "blue"');

    expect(captions.undo()).toEqual({ label: 'Find and replace "red" → "blue"', imageIds: [a, b] });
    expect(captions.texts().map((t) => t.text)).toEqual(['a photo of sks person, red hair, park', 'a photo of sks person, red hair, beach', '']);
    expect(captions.history()).toEqual({ undo: 'Edit caption', redo: 'Find and replace "red" → "blue"' });
    expect(captions.redo()!.imageIds).toEqual([a, b]);
    expect(captions.get(b)!.text).toBe('a photo of sks person, blue hair, beach');

    // Three undos: the batch, b's edit, then both keystrokes of a's session at once; a and b have no caption again.
    captions.undo();
    captions.undo();
    expect(captions.undo()!.imageIds).toEqual([a]);
    expect(captions.get(a)!.text).toBeNull();
    expect(captions.history().undo).toBeNull();
    expect(c).toBeGreaterThan(0);

    // A new step after undo drops the redo steps.
    captions.write('Mark reviewed', 'review', [{ imageId: c, reviewed: true }]);
    expect(captions.history()).toEqual({ undo: 'Mark reviewed', redo: null });
    expect(captions.get(c)).toMatchObject({ text: '', reviewed: true });
  });

  it('persists captions and history across reopening the project, and a no-op write records nothing', async () => {
    const { store, ids, dir } = await projectWithImages([{ name: 'a.png', colour: RED }]);
    const captions = new ProjectCaptions(store);
    captions.write('Edit caption', 'edit', [{ imageId: ids[0]!, text: 'sks person outdoors', reviewed: true }]);
    expect(captions.write('Edit caption', 'edit', [{ imageId: ids[0]!, text: 'sks person outdoors' }])).toBeNull();
    store.close();
    const { ProjectStore } = await import('@lora-studio/store');
    const again = new ProjectCaptions(ProjectStore.open(dir));
    expect(again.get(ids[0]!)).toMatchObject({ text: 'sks person outdoors', reviewed: true, source: 'user' });
    expect(again.undo()!.label).toBe('Edit caption');
    expect(again.get(ids[0]!)!.text).toBeNull();
  });

  it('counts reviewed captions and captions without the trigger among included images only', async () => {
    const { store, ids } = await projectWithImages([
      { name: 'a.png', colour: RED },
      { name: 'b.png', colour: BLUE },
      { name: 'c.png', colour: GREY },
      { name: 'd.png', colour: RED, width: 40 },
      { name: 'e.png', colour: BLUE, width: 40 },
    ]);
    const [a, b, , d, e] = ids as [number, number, number, number, number];
    const captions = new ProjectCaptions(store);
    expect(captions.coverage('sks')).toEqual({ included: 5, reviewed: 0, withoutTrigger: 0 });
    captions.write('Edit captions', 'batch', [
      { imageId: a, text: 'a photo of SKS person', reviewed: true },
      { imageId: b, text: 'a photo of a person' },
      { imageId: d, reviewed: true },
      { imageId: e, text: 'a person without the word' },
    ]);
    store.db.prepare('UPDATE images SET excluded = 1 WHERE id = ?').run(e);
    // a names the trigger in other letters; b lacks it; c has no caption (nothing to lack it); d's caption is empty.
    expect(captions.coverage('sks')).toEqual({ included: 4, reviewed: 2, withoutTrigger: 2 });
    store.db.prepare('UPDATE images SET excluded = 1').run();
    expect(captions.coverage('sks')).toEqual({ included: 0, reviewed: 0, withoutTrigger: 0 });
  });
});
