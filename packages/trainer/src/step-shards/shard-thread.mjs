// Bootstrap of a step-shard thread: a worker thread starts with plain Node, so TypeScript support (tsx) is
// registered here before the .ts entry is loaded. (`--import tsx` in execArgv does not work for workers on Node 20.)
import { register } from 'tsx/esm/api';

register();
await import('./shard-thread.ts');
