// The training worker: a child process (child_process.fork; through tsx in the repository, its own bundled file in
// the desktop app) that owns the onnxruntime sessions. It takes commands over IPC, sends events and heartbeats back,
// and writes only files in the run folder; the host persists what it reports. Started with no command it waits for
// 'start' or 'continue'.
import { resolve } from 'node:path';
import { prepareNewRun, prepareResume } from '../setup';
import { TrainingSetupError } from '../setup-error';
import { TrainingRun } from '../training-run';
import { HEARTBEAT_MS, type WorkerCommand, type WorkerMessage } from './protocol';

if (!process.send) {
  console.error('The training worker must be started by the host (child_process.fork), not run directly. Use "lora-studio train" instead.');
  process.exit(2);
}

let run: TrainingRun | undefined;
let starting = false;
/** Control commands that arrive while the model and dataset are still loading; applied once the run exists. */
const early: WorkerCommand[] = [];

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

const heartbeat = setInterval(() => void send({ type: 'heartbeat', step: run?.step ?? 0 }), HEARTBEAT_MS);

async function begin(command: Extract<WorkerCommand, { type: 'start' | 'continue' }>): Promise<void> {
  starting = true;
  try {
    const prepared = command.type === 'start' ? await prepareNewRun(command.request, command.runtime) : await prepareResume(command.runDir, command.runtime);
    const runDir = resolve(command.type === 'start' ? command.request.runDir : command.runDir);
    run = new TrainingRun(prepared, runDir, (event) => void send({ type: 'event', event }), command.runtime);
    for (const c of early.splice(0)) control(run, c);
    const outcome = await run.run();
    await finish(outcome === 'failed' ? 1 : 0);
  } catch (error) {
    if (error instanceof TrainingSetupError) await send({ type: 'setup-failed', problems: error.problems });
    else await send({ type: 'event', event: { type: 'failed', step: run?.step ?? 0, reason: (error as Error).message, checkpoint: null } });
    await finish(1);
  }
}

async function finish(code: number): Promise<void> {
  clearInterval(heartbeat);
  process.disconnect?.();
  process.exit(code);
}

function control(r: TrainingRun, command: WorkerCommand): void {
  switch (command.type) {
    case 'pause':
      return r.pause();
    case 'resume':
      return r.resume();
    case 'stop':
      return r.stop();
    case 'save-checkpoint-now':
      return r.saveCheckpointNow();
    case 'sample-now':
      return r.sampleNow(command.prompt, command.seed);
  }
}

process.on('message', (command: WorkerCommand) => {
  if (command.type === 'start' || command.type === 'continue') {
    if (starting) {
      void send({ type: 'event', event: { type: 'failed', step: run?.step ?? 0, reason: 'This worker already runs a training; start another worker for another run.', checkpoint: null } });
      return;
    }
    void begin(command);
  } else if (run) control(run, command);
  else if (command.type === 'stop' && !starting) void finish(0);
  else early.push(command);
});

// The host went away (crashed or closed): stop cleanly at the next step boundary, keeping a checkpoint.
process.on('disconnect', () => {
  if (run) run.stop();
  else process.exit(0);
});
