// The services process's one line to main. Under Electron it is utilityProcess's `process.parentPort`; under plain
// Node (a process started with child_process.fork and `serialization: 'advanced'`, so messages are structured clones
// as with parentPort) it is the IPC channel. The second lets the built services bundle run and be tested without
// the Electron binary.

export interface ParentPort {
  onMessage(cb: (data: unknown) => void): void;
  postMessage(message: unknown): void;
}

interface ElectronParentPort {
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

export function parentPort(proc: NodeJS.Process = process): ParentPort {
  const electron = (proc as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (electron) {
    return { onMessage: (cb) => electron.on('message', (e) => cb(e.data)), postMessage: (m) => electron.postMessage(m) };
  }
  const send = proc.send?.bind(proc);
  if (!send) {
    throw new Error('The LoRA Studio services process must be started by the desktop app (or with child_process.fork), not run directly.');
  }
  // A utility process ends with its parent; an orphaned Node child would keep training with nobody listening.
  proc.on('disconnect', () => proc.exit(0));
  return { onMessage: (cb) => proc.on('message', cb), postMessage: (m) => void send(m) };
}
