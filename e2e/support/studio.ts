import { startHost, type RunningHost } from '@lora-studio/host';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { studioDist } from './paths';
import { ensureStudioBuilt } from './studio-build';

export interface StudioUnderTest {
  /** The address the host prints: with `?token=`. */
  readonly url: string;
  /** The temporary LORA_STUDIO_HOME: app store and default project folders. */
  readonly home: string;
  /** Stops the host, as when the user quits it; open pages lose their connection. */
  stopHost(): Promise<void>;
  /** Starts it again on the same port, token and home, as a restart does. */
  startHostAgain(): Promise<void>;
  close(): Promise<void>;
}

/** Browser mode, in this process: the real host and services on a free port, with a fresh temporary home. */
export async function startStudio(): Promise<StudioUnderTest> {
  ensureStudioBuilt();
  const home = mkdtempSync(join(tmpdir(), 'lora-e2e-home-'));
  const first = await startHost({ home, studioDist, port: 0 });
  let running: RunningHost | null = first;
  const stopHost = async () => {
    await running?.close();
    running = null;
  };
  return {
    url: first.url,
    home,
    stopHost,
    startHostAgain: async () => {
      running ??= await startHost({ home, studioDist, port: first.port, token: first.token });
    },
    close: async () => {
      await stopHost();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
