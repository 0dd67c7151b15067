import { describe, expect, it } from 'vitest';
import { RESTART_MAX_DELAY_MS, RESTART_QUIET_MS, RestartPolicy } from './restart-policy';

describe('services restart policy', () => {
  it('restarts a one-off crash at once and backs off a process that keeps dying, up to 30 s', () => {
    const p = new RestartPolicy();
    const delays = [0, 100, 1200, 3300, 7400, 15_500, 31_600, 62_000].map((t) => p.crashed(t));
    expect(delays.slice(0, 7)).toEqual([0, 1000, 2000, 4000, 8000, 16_000, RESTART_MAX_DELAY_MS]);
  });

  it('counts a crash after a quiet minute as a new first one', () => {
    const p = new RestartPolicy();
    p.crashed(0);
    p.crashed(10);
    expect(p.crashed(10 + RESTART_QUIET_MS)).toBe(0);
  });
});
