// Events read back from a run's stream were written by whoever can write to Redis: before one reaches the project
// store or the terminal, its type must be known and the fields the studio stores must have the right kinds.
import type { QueueEvent } from './queue-events';

const TYPES = new Set([
  'preparing', 'started', 'step', 'checkpoint-saved', 'sample-written', 'loss-alert', 'paused', 'resumed', 'stopped', 'finished', 'failed',
  'submitted', 'claimed', 'refused', 'handed-back', 'exit',
]);

const isStep = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const isNumber = (v: unknown) => typeof v === 'number' && !Number.isNaN(v);
const isText = (v: unknown, max = 10_000) => typeof v === 'string' && v.length <= max;

/** The event when its shape is one this version writes; undefined otherwise. */
export function checkedEvent(raw: string): QueueEvent | undefined {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!e || typeof e !== 'object' || typeof e.type !== 'string' || !TYPES.has(e.type)) return undefined;
  if ('step' in e && !isStep(e.step)) return undefined;
  switch (e.type) {
    case 'step':
      if (!isStep(e.totalSteps) || !['loss', 'lr', 'gradNorm', 'stepMs', 'smoothedLoss', 'samplesPerSecond', 'memoryMb'].every((k) => isNumber(e[k]))) return undefined;
      break;
    case 'started':
      if (!isStep(e.totalSteps) || !e.config || typeof e.config !== 'object') return undefined;
      break;
    case 'checkpoint-saved':
    case 'sample-written':
      if (!isText(e.path, 512)) return undefined;
      if (e.type === 'sample-written' && (!isText(e.prompt) || !Number.isSafeInteger(e.seed))) return undefined;
      break;
    case 'finished':
      if (!isText(e.lora, 512)) return undefined;
      break;
    case 'loss-alert':
      if (!isText(e.message) || !isText(e.kind, 20)) return undefined;
      break;
    case 'claimed':
    case 'refused':
    case 'handed-back':
    case 'exit':
      if (!isText(e.worker, 200)) return undefined;
      if ('reason' in e && !isText(e.reason)) return undefined;
      if ('message' in e && e.message !== undefined && !isText(e.message)) return undefined;
      break;
    default:
      break;
  }
  return e as unknown as QueueEvent;
}
