import type { CompareScores } from '@lora-studio/api';

/** One group of bars under the grid: the base model for reference, then each checkpoint, oldest first. */
export interface ScoreBar {
  label: string;
  /** null: the base model without LoRA. */
  step: number | null;
  consistency: number;
  /** The base model cannot bleed into itself: no bar. */
  bleed: number | null;
  nearestTraining: number;
  overall: number | null;
  overfit: boolean;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function scoreBars(scores: CompareScores): ScoreBar[] {
  const base: ScoreBar = {
    label: 'base', step: null, consistency: round(scores.base.consistency), bleed: null,
    nearestTraining: round(scores.base.nearestTraining), overall: null, overfit: false,
  };
  const checkpoints = [...scores.checkpoints]
    .sort((a, b) => a.step - b.step)
    .map((c): ScoreBar => ({
      label: `step ${c.step.toLocaleString()}${c.step === scores.best ? ' (best)' : ''}`, step: c.step, consistency: round(c.consistency), bleed: round(c.bleed),
      nearestTraining: round(c.nearestTraining), overall: round(c.overall), overfit: c.overfit,
    }));
  return [base, ...checkpoints];
}

/** How consistency was measured, in a line the user can check against what they see. */
export function scoreMethod(scores: CompareScores): string {
  return scores.method === 'face-descriptors'
    ? 'Consistency compares face descriptors of the trigger samples with each other and with the training faces.'
    : 'Consistency compares image features (palette, edges, layout) of the trigger samples with each other and with the training images.';
}
