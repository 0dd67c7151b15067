// Real signals to a real child process: the first one asks for a gentle stop, the second quits at once with 130,
// and once the command stops listening a signal does what it would do to any Node process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('./stop-signals.ts', import.meta.url));

/** Runs `body` in a child Node (TypeScript through tsx) with `onStopSignals` imported; the child waits 30 s at most. */
function child(body: string) {
  const script = `import { onStopSignals } from ${JSON.stringify(MODULE)};\n${body}\nsetTimeout(() => console.log('still running'), 30_000);`;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
}

describe('stop signals', () => {
  it('calls the gentle stop on the first signal and exits with 130 on the second', () => {
    const result = child(`
      onStopSignals(() => {
        console.log('stopping gently');
        process.kill(process.pid, 'SIGTERM');
      });
      process.kill(process.pid, 'SIGINT');`);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('stopping gently\n');
    expect(result.status).toBe(130);
  });

  it('leaves signals alone once the command stops listening', () => {
    const result = child(`
      const stopListening = onStopSignals(() => console.log('stopping gently'));
      stopListening();
      process.kill(process.pid, 'SIGINT');`);
    expect(result.stdout).toBe('');
    expect(result.signal).toBe('SIGINT');
  });
});
