import { describe, expect, it } from 'vitest';
import type { BaseModelInfo } from '@lora-studio/api';
import { downloadWords, formatDuration, formatParameters, usableModels } from '../src/screens/models/model-words';

describe('model words', () => {
  it('counts parameters the way model cards do', () => {
    expect(formatParameters(3_876_000_000)).toBe('3.88 B');
    expect(formatParameters(6_500_000)).toBe('6.5 M');
    expect(formatParameters(2_048)).toBe('2.0 K');
    expect(formatParameters(812)).toBe('812');
  });

  it('words durations in seconds, minutes and hours', () => {
    expect(formatDuration(45.4)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(3900)).toBe('1 h 5 min');
  });

  it('says bytes, share, rate, time left and the file of a download', () => {
    const words = downloadWords({ repo: 'o/r', file: 'a', filesDone: 2, fileCount: 12, bytesDone: 1024 ** 3, bytesTotal: 4 * 1024 ** 3, bytesPerSecond: 45 * 1024 ** 2, etaSeconds: 147 });
    expect(words).toBe('1.00 GB of 4.00 GB (25 %) at 45.0 MB/s, about 2 min 27 s left — file 3 of 12');
    expect(downloadWords({ repo: 'o/r', file: null, filesDone: 0, fileCount: 0, bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0, etaSeconds: null })).toBe('0 B of 0 B');
  });

  it('offers only complete models to a run', () => {
    const model = (name: string, complete: boolean) => ({ name, description: { complete } }) as BaseModelInfo;
    expect(usableModels([model('a', true), model('b', false)]).map((m) => m.name)).toEqual(['a']);
  });
});
