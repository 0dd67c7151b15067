import type { ImportSummary } from '@lora-studio/api';
import { describe, expect, it } from 'vitest';
import { sortPicked } from '../src/screens/dataset/picked-files';
import { cancelWaiting, finishIfSettled, importTotals, queueItems, settleFromSummary, updateItem } from '../src/store/import-job';

const summary = (files: ImportSummary['files'], cancelled = false): ImportSummary => ({
  importId: 'x',
  imported: files.filter((f) => f.status === 'imported').length,
  duplicates: files.filter((f) => f.status === 'duplicate').length,
  rejected: files.filter((f) => f.status === 'rejected').length,
  cancelled,
  files,
});

describe('an import job', () => {
  it('queues a second drop onto the running job, and starts a new one once it has finished or was cancelled', () => {
    const first = queueItems(null, 'a', '/p', ['1.jpg', '2.jpg'], []);
    const more = queueItems(first, 'b', '/p', ['3.jpg'], ['notes.txt']);
    expect(more.id).toBe('a');
    expect(more.items.map((i) => [i.key, i.name])).toEqual([[0, '1.jpg'], [1, '2.jpg'], [2, '3.jpg']]);
    expect(more.skipped).toEqual(['notes.txt']);
    expect(queueItems(cancelWaiting(more), 'c', '/p', ['4.jpg'], []).id).toBe('c');
    expect(queueItems({ ...more, finished: true }, 'd', '/p', ['4.jpg'], []).id).toBe('d');
    expect(queueItems(more, 'e', '/other', ['4.jpg'], []).id).toBe('e');
  });

  it('counts progress over all files, running ones by their part done', () => {
    let job = queueItems(null, 'a', '/p', ['1.jpg', '2.jpg', '3.jpg', '4.jpg'], []);
    job = updateItem(job, 0, { status: 'sending', progress: 0.5 });
    job = { ...job, items: job.items.map((item) => (item.key === 1 ? settleFromSummary(item, summary([{ source: '2.jpg', status: 'imported', imageId: 7 }])) : item)) };
    const totals = importTotals(job);
    expect(totals).toMatchObject({ total: 4, settled: 1, imported: 1, duplicates: 0, rejected: 0, failed: 0 });
    expect(totals.fraction).toBeCloseTo(1.5 / 4);
  });

  it('takes each file’s status and reason from the services, and sums up folders', () => {
    const [item] = queueItems(null, 'a', '/p', ['a.jpg'], []).items;
    const refused = settleFromSummary(item!, summary([{ source: 'a.jpg', status: 'rejected', reason: 'a.jpg is not an image.' }]));
    expect(refused).toMatchObject({ status: 'rejected', message: 'a.jpg is not an image.', rejected: 1, progress: 1 });
    const folder = settleFromSummary(item!, summary([
      { source: 'f/1.jpg', status: 'imported' },
      { source: 'f/2.jpg', status: 'duplicate', reason: 'Already in the project.' },
      { source: 'f/3.jpg', status: 'rejected', reason: 'Empty file.' },
    ]));
    expect(folder.status).toBe('imported');
    expect(folder.message).toBe('1 imported, 1 already in the project, 1 refused. f/2.jpg: Already in the project. f/3.jpg: Empty file.');
    expect(settleFromSummary(item!, summary([], true)).status).toBe('cancelled');
    const note = 'Its caption file a.txt is 20 KB, over the 16 KB limit, so the caption was not kept.';
    expect(settleFromSummary(item!, summary([{ source: 'a.jpg', status: 'imported', note }])).message).toBe(note);
    const noted = settleFromSummary(item!, summary([{ source: 'f/1.jpg', status: 'imported' }, { source: 'f/2.jpg', status: 'imported', note }]));
    expect(noted.message).toBe(`2 imported. f/2.jpg: ${note}`);
  });

  it('cancels waiting files at once and finishes only when every file is settled', () => {
    let job = queueItems(null, 'a', '/p', ['1.jpg', '2.jpg'], []);
    job = updateItem(job, 0, { status: 'analysing' });
    job = cancelWaiting(job);
    expect(job.items.map((i) => i.status)).toEqual(['analysing', 'cancelled']);
    expect(finishIfSettled(job).finished).toBe(false);
    job = updateItem(job, 0, { status: 'cancelled' });
    expect(finishIfSettled(job).finished).toBe(true);
  });
});

describe('picked files', () => {
  it('keeps images and zips, names what it leaves out, and ignores hidden files', () => {
    const files = ['a.JPG', 'b.heic', 'set.zip', 'a.txt', '.DS_Store', '._a.jpg', 'README'].map((name) => new File(['x'], name));
    const picked = sortPicked(files);
    expect(picked.files.map((f) => f.name)).toEqual(['a.JPG', 'b.heic', 'set.zip']);
    expect(picked.skipped).toEqual(['a.txt', 'README']);
  });
});
