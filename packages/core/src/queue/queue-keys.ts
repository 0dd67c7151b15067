// Every Redis key the run queue uses besides BullMQ's own, in one place: `lora-studio:<queue>:…`, so several
// queues (or studios) share one Redis without meeting.
export function queueKeys(queueName: string) {
  const p = `lora-studio:${queueName}:`;
  return {
    /** BullMQ's prefix for the jobs themselves. */
    bullPrefix: `lora-studio-bull`,
    artifactPrefix: `${p}artifact:`,
    /** Sorted set of run keys by submit time. */
    runs: `${p}runs`,
    /** Hash: where a run is (status, worker, step, name…), for "runs --queue" and the studio's run list. */
    runInfo: (runKey: string) => `${p}run:${runKey}:info`,
    /** Hash: what a worker needs to continue the run elsewhere (resolved config, last uploaded checkpoint). */
    runState: (runKey: string) => `${p}run:${runKey}:state`,
    /** Stream: every event of the run in order, read again from any point (durable across studio restarts). */
    runEvents: (runKey: string) => `${p}run:${runKey}:events`,
    /** List: signed control messages (pause, resume, stop, sample-now, save-now) for the worker training the run. */
    runControl: (runKey: string) => `${p}run:${runKey}:control`,
    /** Hash: worker name → why it refused the run. */
    runRefusals: (runKey: string) => `${p}run:${runKey}:refusals`,
    /** Set of worker names; each worker's own key expires when it stops answering. */
    workers: `${p}workers`,
    worker: (name: string) => `${p}worker:${name}`,
    /** Log of jobs refused for a bad signature (capped list). */
    refusedJobs: `${p}refused-jobs`,
  };
}

export type QueueKeys = ReturnType<typeof queueKeys>;
