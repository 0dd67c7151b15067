import { MAX_RUN_LABELS, workerLabelSchema, type RunOn } from '@lora-studio/api';

/** The Train form's "Run on" choices: here, any worker of the queue, or only workers with given labels. */
export type RunOnChoice = 'this-machine' | 'queue-any' | 'queue-labels';

export type ParsedRunOn = { ok: true; runOn: RunOn } | { ok: false; message: string };

/** "gpu-24gb, a100" → the labels, each checked by the contract's own rule, in its words. */
export function runOnFrom(choice: RunOnChoice, labelsText: string): ParsedRunOn {
  if (choice === 'this-machine') return { ok: true, runOn: { target: 'this-machine' } };
  if (choice === 'queue-any') return { ok: true, runOn: { target: 'queue', labels: [] } };
  const labels = [...new Set(labelsText.split(/[\s,]+/).filter((l) => l !== ''))];
  if (labels.length === 0) return { ok: false, message: 'Name at least one label, e.g. gpu-24gb, or choose any worker.' };
  if (labels.length > MAX_RUN_LABELS) return { ok: false, message: `At most ${MAX_RUN_LABELS} labels.` };
  for (const label of labels) {
    const checked = workerLabelSchema.safeParse(label);
    if (!checked.success) return { ok: false, message: `"${label}": ${checked.error.issues[0]?.message ?? 'not a label.'}` };
  }
  return { ok: true, runOn: { target: 'queue', labels } };
}
