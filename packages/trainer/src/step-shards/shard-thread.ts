/**
 * Entry of one step-shard thread (started by ShardedStep through shard-thread.mjs, or bundled as step-shard.cjs in
 * the desktop app): it holds its own onnxruntime session of each compiled step graph and runs the forward and
 * backward pass of its share of the batch's rows while the training process runs another share.
 */
import { parentPort } from 'node:worker_threads';
import { createSession, hostTensor, runAccumulateStep, type DType, type EngineSession, type HostTensor, type TrainStepIO } from '@lora-studio/onnx';
import type { ShardCommand, ShardReply, WireTensor } from './shard-messages';

const sessions = new Map<string, { session: EngineSession; io: TrainStepIO; zeros: Float32Array | null }>();

function tensor(w: WireTensor): HostTensor {
  return hostTensor(w.type as DType, w.dims, w.data);
}

async function handle(c: ShardCommand): Promise<ShardReply | null> {
  switch (c.type) {
    case 'open': {
      const session = await createSession(c.bytes, c.options);
      sessions.set(c.key, { session, io: c.io, zeros: null });
      return { type: 'opened', key: c.key };
    }
    case 'run': {
      const s = sessions.get(c.key);
      if (!s) throw new Error(`no session was opened for ${c.key}`);
      if (s.zeros?.length !== c.params.length) s.zeros = new Float32Array(c.params.length);
      const feeds = Object.fromEntries(Object.entries(c.feeds).map(([name, w]) => [name, tensor(w)]));
      const r = await runAccumulateStep(s.session, s.io, c.params, s.zeros, feeds);
      return { type: 'ran', loss: r.loss, grad: r.gradAcc, rowLoss: r.rowLoss };
    }
    case 'release': {
      await sessions.get(c.key)?.session.release();
      sessions.delete(c.key);
      return null;
    }
  }
}

const port = parentPort;
if (!port) throw new Error('shard-thread.ts runs only as a worker thread (see ShardedStep).');
// One command at a time, in order: the training process waits for each run before it sends the next.
let queue = Promise.resolve();
port.on('message', (c: ShardCommand) => {
  queue = queue.then(async () => {
    try {
      const reply = await handle(c);
      if (reply?.type === 'ran') port.postMessage(reply, [reply.grad.buffer as ArrayBuffer]);
      else if (reply) port.postMessage(reply);
    } catch (e) {
      port.postMessage({ type: 'failed', reason: e instanceof Error ? e.message.split('\n')[0]! : String(e) } satisfies ShardReply);
    }
  });
});
