import { describe, expect, it } from 'vitest';
import { SpinningChoice, type SessionKind } from './spinning-choice';

/** Runs the choice for `runs` runs, each kind taking the time `ms(kind, run)`; returns the kinds it ran. */
function drive(choice: SpinningChoice, runs: number, ms: (kind: SessionKind, run: number) => number): SessionKind[] {
  const kinds: SessionKind[] = [];
  for (let i = 0; i < runs; i++) {
    const k = choice.next();
    kinds.push(k);
    choice.record(k, ms(k, i));
  }
  return kinds;
}

const stints = (kinds: SessionKind[]) => kinds.reduce<[SessionKind, number][]>((out, k) => {
  const last = out.at(-1);
  if (last && last[0] === k) last[1]++;
  else out.push([k, 1]);
  return out;
}, []);

describe('SpinningChoice', () => {
  it('tries blocking then spinning, keeps the faster for retryEvery runs, then tries the other again', () => {
    const choice = new SpinningChoice({ warmup: 2, window: 5, retryEvery: 20 });
    const kinds = drive(choice, 7 + 7 + 20 + 7 + 20, (k) => (k === 'spinning' ? 180 : 250));
    expect(stints(kinds)).toEqual([['blocking', 7], ['spinning', 7 + 20], ['blocking', 7], ['spinning', 20]]);
    expect(choice.counts()).toEqual({ blocking: 14, spinning: 47 });
  });

  it('goes back to blocking after the trial when spinning is slower (one session change each way)', () => {
    const choice = new SpinningChoice({ warmup: 2, window: 5, retryEvery: 30 });
    const kinds = drive(choice, 7 + 7 + 32, (k) => (k === 'spinning' ? 400 : 230));
    // A new blocking session: its 2 warm-up runs, then 30.
    expect(stints(kinds)).toEqual([['blocking', 7], ['spinning', 7], ['blocking', 32]]);
  });

  it('does not count a new session\'s first runs: a slow start of the faster kind does not decide', () => {
    const choice = new SpinningChoice({ warmup: 2, window: 3, retryEvery: 50 });
    let spinningRuns = 0;
    drive(choice, 10, (k) => (k === 'spinning' ? (spinningRuns++ < 2 ? 5000 : 100) : 200));
    expect(choice.faster()).toBe('spinning');
  });

  it('notices a change in load at the next trial: spinning on a quiet machine, blocking once another process is busy', () => {
    const choice = new SpinningChoice({ warmup: 1, window: 3, retryEvery: 10 });
    const busyFrom = 30;
    const kinds = drive(choice, 80, (k, run) => (run < busyFrom ? (k === 'spinning' ? 180 : 250) : k === 'spinning' ? 400 : 230));
    expect(kinds.slice(8, busyFrom).filter((k) => k === 'spinning').length).toBeGreaterThan(15);
    // Once the next trial has seen the load, spinning runs only in its trials (warm-up 1 + window 3).
    const afterwards = stints(kinds.slice(37));
    expect(afterwards.filter(([k]) => k === 'spinning').every(([, n]) => n <= 4)).toBe(true);
    expect(afterwards.filter(([k]) => k === 'blocking').reduce((a, [, n]) => a + n, 0)).toBeGreaterThan(30);
    expect(choice.faster()).toBe('blocking');
  });

  it('stays blocking until both kinds have been timed', () => {
    const choice = new SpinningChoice();
    expect(choice.faster()).toBe('blocking');
    expect(choice.next()).toBe('blocking');
    choice.record('blocking', 1);
    expect(choice.counts()).toEqual({ blocking: 1, spinning: 0 });
  });
});
