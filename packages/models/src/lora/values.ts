// The numbers a LoRA must hold to be usable. A NaN or infinite weight turns every picture it touches into noise or
// black; a NaN, infinite, zero or negative alpha silences the adapter (0), inverts it (< 0) or poisons it (NaN, Inf).
// Such files load without complaint in most tools, so each reader and writer here refuses them by name instead.
import { InvalidInputError } from '@lora-studio/api';
import type { Adapter } from '../adapter/adapter-type';
import { adapterTypeOf } from '../adapter/adapter-types';

export class LoraValueError extends InvalidInputError {
  override name = 'LoraValueError';
}

/** Why `alpha` (named by `where`, e.g. a tensor name) is unusable; undefined when it is fine. */
export function alphaProblem(alpha: number, where: string): string | undefined {
  if (Number.isNaN(alpha)) return `${where} is NaN`;
  if (!Number.isFinite(alpha)) return `${where} is ${alpha > 0 ? 'infinite' : 'minus infinite'}`;
  if (alpha === 0) return `${where} is 0, which silences the adapter`;
  if (alpha < 0) return `${where} is negative (${alpha}), which inverts the adapter`;
  return undefined;
}

/** Why the weights of the tensor `where` are unusable (NaN or infinite values); undefined when they are fine. */
export function weightProblem(values: Float32Array, where: string): string | undefined {
  let nan = 0;
  let infinite = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v - v === 0) continue; // finite: the fast path
    if (Number.isNaN(v)) nan++;
    else infinite++;
    if (first < 0) first = i;
  }
  if (first < 0) return undefined;
  const parts = [nan ? `${nan} NaN` : '', infinite ? `${infinite} infinite` : ''].filter(Boolean).join(' and ');
  return `${where} holds ${parts} value${nan + infinite === 1 ? '' : 's'} (the first at index ${first})`;
}

/** Every value problem of an adapter in memory, naming its layers. */
export function adapterValueProblems(adapter: Adapter): string[] {
  const problems: (string | undefined)[] = [];
  for (const l of adapter.layers) {
    problems.push(alphaProblem(l.alpha, `the alpha of LoRA layer ${l.path}`));
    if ('kind' in l) {
      for (const t of adapterTypeOf(l).fileTensors(l)) problems.push(weightProblem(t.data, `the ${t.role} weights of ${l.kind} layer ${l.path}`));
      continue;
    }
    problems.push(weightProblem(l.down, `the down (lora_A) weights of LoRA layer ${l.path}`));
    problems.push(weightProblem(l.up, `the up (lora_B) weights of LoRA layer ${l.path}`));
  }
  return problems.filter((p): p is string => p !== undefined);
}

/** One sentence for a list of problems: the first few by name, then how many more, then what to do. */
export function loraValueMessage(what: string, problems: string[]): string {
  const shown = problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : '');
  return `${what} cannot be used: ${shown}. Use another checkpoint of the run, or train the LoRA again.`;
}
