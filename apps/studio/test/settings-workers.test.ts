import { notSignedNote } from '@lora-studio/api';
import { describe, expect, it } from 'vitest';
import { lastAnswered, workerDoing, workerMemory } from '../src/screens/settings/worker-text';

describe('Workers panel words', () => {
  const now = Date.parse('2026-12-02T10:00:00.000Z');
  const ago = (ms: number) => new Date(now - ms).toISOString();

  it('says when a worker last answered', () => {
    expect(lastAnswered(ago(400), now)).toBe('just now');
    expect(lastAnswered(ago(-900), now)).toBe('just now');
    expect(lastAnswered(ago(5_000), now)).toBe('5 s ago');
    expect(lastAnswered(ago(119_000), now)).toBe('119 s ago');
    expect(lastAnswered(ago(180_000), now)).toBe('3 min ago');
    expect(lastAnswered('not a date', now)).toBe('never');
  });

  it('says what a worker does: idle, getting ready, training or paused, with the step', () => {
    expect(workerDoing({ runs: [] })).toBe('Idle, waiting for runs');
    expect(workerDoing({ runs: [{ name: 'Run 1', step: 0, status: 'preparing' }] })).toBe('Getting ready for Run 1');
    expect(workerDoing({ runs: [{ name: 'Run 1', step: 1200, status: 'running' }, { name: 'Run 2', step: 7, status: 'paused' }] })).toBe(
      `Training Run 1 (step ${(1200).toLocaleString()}); Paused on Run 2 (step 7)`,
    );
  });

  it('gives memory in GB', () => {
    expect(workerMemory({ freeMemoryBytes: 12.5 * 1024 ** 3, totalMemoryBytes: 24 * 1024 ** 3 })).toBe('12.5 of 24.0 GB free');
  });

  it('says once how many entries do not verify with the secret', () => {
    expect(notSignedNote(1)).toBe('1 entry on this queue is not signed with your secret — a worker or studio with another secret, or an older version.');
    expect(notSignedNote(3)).toBe('3 entries on this queue are not signed with your secret — a worker or studio with another secret, or an older version.');
  });
});
