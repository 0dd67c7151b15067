import type { ArtifactStoreSettingsInput, ComputeSettings, ComputeSettingsInput, ComputeTestResult, QueueWorkerSummary } from '@lora-studio/api';
import type { StateCreator } from 'zustand';
import { client, errorMessage } from '../client';
import type { StudioState } from './index';

/** Settings → Compute (where runs train), its "Test connection", and the run queue's workers. */
export interface ComputeSlice {
  /** null until the services have answered. */
  compute: ComputeSettings | null;
  computeError: string | null;
  savingCompute: boolean;
  saveComputeError: string | null;
  testingCompute: boolean;
  /** The last "Test connection" result, with the key of the fields it was run on (the form shows it while they stay). */
  computeTest: (ComputeTestResult & { key: string }) | null;
  workers: QueueWorkerSummary[];
  /** Heartbeats on the queue that do not verify with the saved secret: not listed, said once under the list. */
  workersNotSigned: number;
  workersLoaded: boolean;
  workersError: string | null;

  loadCompute(): Promise<void>;
  /** Resolves true once saved; the services' sentence is in saveComputeError otherwise. */
  saveCompute(input: ComputeSettingsInput): Promise<boolean>;
  /** `secret`: the one typed in the form (the stored one when empty), to name only the workers that share it. */
  testCompute(redisUrl: string, queueName: string, secret: string, artifacts: ArtifactStoreSettingsInput, key: string): Promise<void>;
  loadWorkers(): Promise<void>;
}

export const createComputeSlice: StateCreator<StudioState, [], [], ComputeSlice> = (set, get) => {
  let testSeq = 0;
  return {
    compute: null,
    computeError: null,
    savingCompute: false,
    saveComputeError: null,
    testingCompute: false,
    computeTest: null,
    workers: [],
    workersNotSigned: 0,
    workersLoaded: false,
    workersError: null,

    loadCompute: async () => {
      try {
        const compute = await client.send('compute-get', {});
        // Several views ask (status bar, Settings, Train form): an unchanged answer keeps the same object, so a form
        // that follows the saved settings does not start over while the user types.
        const same = JSON.stringify(compute) === JSON.stringify(get().compute);
        set({ ...(same ? {} : { compute }), computeError: null });
      } catch (err) {
        set({ computeError: errorMessage(err) });
      }
    },

    saveCompute: async (input) => {
      if (get().savingCompute) return false;
      set({ savingCompute: true, saveComputeError: null });
      try {
        const compute = await client.send('compute-set', input);
        set({ compute, savingCompute: false });
        // The workers shown belong to the queue just chosen (none on this machine).
        void get().loadWorkers();
        return true;
      } catch (err) {
        set({ savingCompute: false, saveComputeError: errorMessage(err) });
        return false;
      }
    },

    testCompute: async (redisUrl, queueName, secret, artifacts, key) => {
      const seq = ++testSeq;
      set({ testingCompute: true, computeTest: null });
      try {
        const result = await client.send('compute-test', { redisUrl, queueName, ...(secret ? { secret } : {}), artifacts });
        if (seq === testSeq) set({ testingCompute: false, computeTest: { ...result, key } });
      } catch (err) {
        // An invalid URL, queue name or bucket field is refused by the contract before any connection: shown the same way.
        if (seq === testSeq) set({ testingCompute: false, computeTest: { ok: false, message: errorMessage(err), workers: [], key } });
      }
    },

    loadWorkers: async () => {
      try {
        const { workers, notSigned } = await client.send('compute-workers', {});
        set({ workers, workersNotSigned: notSigned, workersLoaded: true, workersError: null });
      } catch (err) {
        set({ workersLoaded: true, workersError: errorMessage(err) });
      }
    },
  };
};
