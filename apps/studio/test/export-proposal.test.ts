import type { CompareScores, RunDetail } from '@lora-studio/api';
import { describe, expect, it } from 'vitest';
import { formatBytes, pathInProject, proposedCheckpoint } from '../src/screens/export/proposed-checkpoint';

const run = (favourite: number | null, steps = [4, 8, 12]) =>
  ({ checkpoints: steps.map((step) => ({ step, file: `runs/1/checkpoints/${step}`, favourite: step === favourite, createdAt: '' })) }) as unknown as RunDetail;
const scores = (best: number | null) => ({ best }) as CompareScores;

describe('the checkpoint Export proposes', () => {
  it('is the favourite, else the best score, else the latest checkpoint', () => {
    expect(proposedCheckpoint(run(8), scores(12))).toEqual({ step: 8, reason: 'your favourite' });
    expect(proposedCheckpoint(run(null), scores(4))).toEqual({ step: 4, reason: 'best score' });
    expect(proposedCheckpoint(run(null), scores(null))).toEqual({ step: 12, reason: 'latest checkpoint' });
    expect(proposedCheckpoint(run(null), null)).toEqual({ step: 12, reason: 'latest checkpoint' });
    // Scores of a checkpoint the run no longer has do not count.
    expect(proposedCheckpoint(run(null, [4, 8]), scores(12))).toEqual({ step: 8, reason: 'latest checkpoint' });
    expect(proposedCheckpoint(run(null, []), null)).toBeNull();
  });

  it('finds an exported file inside the project for a download link, on either kind of path', () => {
    expect(pathInProject('/home/mia/p', '/home/mia/p/exports/a.safetensors')).toBe('exports/a.safetensors');
    expect(pathInProject('/home/mia/p/', '/home/mia/p/exports/a.safetensors')).toBe('exports/a.safetensors');
    expect(pathInProject('C:\\Users\\mia\\p', 'C:\\Users\\mia\\p\\exports\\a.safetensors')).toBe('exports/a.safetensors');
    expect(pathInProject('/home/mia/p', '/home/mia/p2/a.safetensors')).toBeNull();
    expect(pathInProject('/home/mia/p', '/tmp/a.safetensors')).toBeNull();
  });

  it('writes sizes the way file managers do', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(5 * 1024 * 1024 + 1)).toBe('5.0 MB');
  });
});
