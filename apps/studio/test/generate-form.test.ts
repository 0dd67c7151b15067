import type { GeneratedImage, RunDetail } from '@lora-studio/api';
import { describe, expect, it } from 'vitest';
import { defaultLora, generateRequest, initialForm, loraLabel, scaleTooHigh } from '../src/screens/generate/generate-form';

const form = initialForm('a flt lighthouse');

describe('the Generate form', () => {
  it('turns the typed values into a request: guidance 4 by default, random seed when blank, no LoRA by default', () => {
    expect(generateRequest(form, 3)).toEqual({ request: { prompt: 'a flt lighthouse', guidance: 4, steps: 20, batch: 1 } });
    const full = generateRequest({ ...form, negativePrompt: ' blurry ', seed: '12', size: '768×768', lora: '400', scale: '0.8', batch: '4' }, 3);
    expect(full).toEqual({
      request: { prompt: 'a flt lighthouse', negativePrompt: 'blurry', guidance: 4, steps: 20, batch: 4, seed: 12, width: 768, height: 768, lora: { runId: 3, step: 400 }, scale: 0.8 },
    });
  });

  it('sends the chosen reference images in slot order, skipping empty slots', () => {
    expect(generateRequest({ ...form, references: ['', '7', '3'] }, null)).toEqual({ request: { prompt: 'a flt lighthouse', guidance: 4, steps: 20, batch: 1, references: [7, 3] } });
    expect(generateRequest({ ...form, references: ['', '', ''] }, null)).toEqual({ request: { prompt: 'a flt lighthouse', guidance: 4, steps: 20, batch: 1 } });
  });

  it('names the first value to fix', () => {
    expect(generateRequest({ ...form, prompt: '  ' }, 3)).toEqual({ problem: 'Write a prompt.' });
    expect(generateRequest({ ...form, steps: '2.5' }, 3)).toEqual({ problem: 'Steps is a whole number.' });
    expect(generateRequest({ ...form, batch: '17' }, 3)).toEqual({ problem: 'Batch size goes from 1 to 16.' });
    expect(generateRequest({ ...form, lora: '4', scale: '' }, 3)).toEqual({ problem: 'LoRA scale needs a number.' });
    // The scale only matters with a LoRA.
    expect('request' in generateRequest({ ...form, scale: '' }, 3)).toBe(true);
  });

  it('warns above scale 1.0 only when a LoRA is used', () => {
    expect(scaleTooHigh({ ...form, lora: '4', scale: '1.2' })).toBe(true);
    expect(scaleTooHigh({ ...form, lora: '4', scale: '1' })).toBe(false);
    expect(scaleTooHigh({ ...form, lora: 'none', scale: '1.5' })).toBe(false);
  });

  it('offers the favourite checkpoint, else the latest, else none', () => {
    const run = (favourite: number | null, steps: number[]) => ({ checkpoints: steps.map((step) => ({ step, favourite: step === favourite })) }) as unknown as RunDetail;
    expect(defaultLora(run(4, [4, 8]))).toBe('4');
    expect(defaultLora(run(null, [4, 8]))).toBe('8');
    expect(defaultLora(run(null, []))).toBe('none');
    expect(defaultLora(null)).toBe('none');
  });

  it('labels which LoRA made a history image', () => {
    const image = { lora: { runId: 2, step: 400 }, scale: 0.8 } as GeneratedImage;
    expect(loraLabel(image, (id) => (id === 2 ? 'Run 2' : undefined))).toBe('Run 2, step 400 ×0.8');
    expect(loraLabel({ ...image, lora: { file: '/x/y/my.safetensors' } }, () => undefined)).toBe('my.safetensors ×0.8');
    expect(loraLabel({ ...image, lora: null }, () => undefined)).toBe('no LoRA');
  });
});
