import type { LoraType } from '@lora-studio/api';
import type { SectionId } from './routing/route';

/** Advice shown in the UI, in the words of the practitioner's guide (docs/training-guide.md). */

export const loraTypeGuide: Record<LoraType, { label: string; explanation: string; captionExample: (t: string) => string }> = {
  subject: {
    label: 'Subject',
    explanation: 'A person, character or pet. At least 10 images; 20–30 varied ones is best.',
    captionExample: (t) => `a photo of ${t} person smiling in a park, warm afternoon light`,
  },
  style: {
    label: 'Style',
    explanation: 'An art style or look that carries over to any subject. Usually needs 50–150 images.',
    captionExample: (t) => `a lighthouse on a cliff at dusk, in the style of ${t}`,
  },
  object: {
    label: 'Object',
    explanation: 'A product or thing, shown in new scenes. Vary angles, light and backgrounds.',
    captionExample: (t) => `a ${t} product on a white table`,
  },
};

export const triggerWordHint =
  'One word the base model does not know yet, such as "sks". Captions put it early and describe everything else.';

export const sectionGuide: Record<SectionId, { label: string; emptyTitle: string; emptyText: string }> = {
  dataset: {
    label: 'Dataset',
    emptyTitle: 'No images yet',
    emptyText:
      'Your training images will be here, each checked for resolution (at least 512×512, 1024×1024 preferred), ' +
      'sharpness, compression and near-duplicates. Subjects need at least 10 images, 20–30 is best; styles 50–150. ' +
      'Ten varied images beat fifty similar ones.',
  },
  captions: {
    label: 'Captions',
    emptyTitle: 'Nothing to caption yet',
    emptyText:
      'Each image gets a caption that describes everything except the concept; the trigger word stands for the concept. ' +
      'Auto-captions will be a start, but review every caption before training: they often describe the very ' +
      'features the trigger word should learn.',
  },
  train: {
    label: 'Train',
    emptyTitle: 'No training runs yet',
    emptyText:
      'Runs and their live loss curves will be here. A start: images × 100 steps (typically 500–2000), rank 16, ' +
      'alpha equal to rank. Healthy loss drops sharply in the first 200–300 steps, then settles on a low plateau.',
  },
  compare: {
    label: 'Compare',
    emptyTitle: 'No checkpoints to compare yet',
    emptyText:
      'Test intermediate checkpoints side by side: the best LoRA is rarely the last step. A grid of prompts × ' +
      'checkpoints at a fixed seed, with wildly different prompts that keep the trigger word.',
  },
  generate: {
    label: 'Generate',
    emptyTitle: 'Nothing generated yet',
    emptyText:
      'Try the LoRA on your own prompts: guidance 3.5–5 for FLUX.2, LoRA scale 0.8 to start (0.6–0.9; above 1.0 ' +
      'oversaturates), and a negative prompt such as "blurry, low quality, distorted face".',
  },
  export: {
    label: 'Export',
    emptyTitle: 'Nothing to export yet',
    emptyText:
      'The chosen checkpoint will be saved as a .safetensors LoRA that loads beside the base model in ComfyUI and ' +
      'diffusers. Start at LoRA scale 0.8 and stay within 0.6–0.9; above 1.0 it oversaturates.',
  },
};
