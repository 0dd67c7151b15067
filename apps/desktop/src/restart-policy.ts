/**
 * How long main waits before restarting a services process that died. A one-off crash restarts at once; a process
 * that keeps dying (a native module built for another Electron, a damaged install) backs off — 1 s, 2 s, 4 s … up to
 * 30 s — instead of restarting in a tight loop that pins a core. A crash after a quiet minute counts as a new first.
 */
export const RESTART_QUIET_MS = 60_000;
export const RESTART_MAX_DELAY_MS = 30_000;

export class RestartPolicy {
  private crashes: number[] = [];

  /** Records a crash at `now` (ms) and returns the delay before the next start. */
  crashed(now: number): number {
    this.crashes = this.crashes.filter((t) => now - t < RESTART_QUIET_MS);
    this.crashes.push(now);
    const repeats = this.crashes.length - 1;
    return repeats === 0 ? 0 : Math.min(RESTART_MAX_DELAY_MS, 1000 * 2 ** (repeats - 1));
  }
}
