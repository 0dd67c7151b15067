import { describe, expect, it } from 'vitest';
import { DEFAULT_BASE_MODEL } from '@lora-studio/api';
import { typicalFinalLossFor } from '../src/screens/train/training-fields';

describe('typical final loss band', () => {
  it('is drawn for FLUX.2-class base models and not for the small embedded default', () => {
    expect(typicalFinalLossFor('subject', 'flux2-klein-4b@abc')).toEqual([0.05, 0.15]);
    expect(typicalFinalLossFor('object', 'flux2-klein-4b@abc')).toBeNull();
    expect(typicalFinalLossFor('subject', DEFAULT_BASE_MODEL)).toBeNull();
  });
});
