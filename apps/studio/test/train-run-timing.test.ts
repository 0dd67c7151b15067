import type { MetricPoint } from '@lora-studio/api';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatSpeed, runTiming } from '../src/screens/train/run-timing';

const steps = (ms: (number | null)[]): MetricPoint[] => ms.map((stepMs, i) => ({ step: i + 1, loss: 1, lr: 1e-4, gradNorm: null, stepMs }));

describe('run speed, elapsed time and ETA', () => {
  it('estimates only after the first steps, from the median of recent steps', () => {
    expect(runTiming([], 100)).toEqual({ stepMs: null, elapsedMs: 0, etaMs: null });
    expect(runTiming(steps([8000, 500]), 100).etaMs).toBeNull();
    const t = runTiming(steps([8000, 500, 500, 600, 500]), 100);
    expect(t.stepMs).toBe(500);
    expect(t.elapsedMs).toBe(10_100);
    expect(t.etaMs).toBe(95 * 500);
    expect(runTiming(steps([null, 500, 500, 500]), 4).etaMs).toBe(0);
  });

  it('shows it/s at one step per second or faster, s/it when slower', () => {
    expect(formatSpeed(250)).toBe('4.00 it/s');
    expect(formatSpeed(1000)).toBe('1.00 it/s');
    expect(formatSpeed(2500)).toBe('2.50 s/it');
    expect(formatSpeed(null)).toBe('—');
  });

  it('writes durations the way people read them', () => {
    expect(formatDuration(12_400)).toBe('12s');
    expect(formatDuration(245_000)).toBe('4m 05s');
    expect(formatDuration(4_320_000)).toBe('1h 12m');
  });
});
