// The guide's quick quality test (docs/training-guide.md §Testing): five images with the trigger under wildly
// different prompts. A strong LoRA keeps the concept in all five; a weak one only when the prompt mirrors the training
// captions.
// Each prompt also has a plain twin without the trigger, which the bleed score renders with and without the LoRA.

import { isDefaultBase } from '@lora-studio/trainer';

export type ProjectType = 'subject' | 'style' | 'object';

const PRESETS: Record<ProjectType, (t: string) => string[]> = {
  // Setting, medium, framing and lighting all change; only the subject stays.
  subject: (t) => [
    `a portrait of ${t} in a coffee shop, natural light, 85mm lens`,
    `${t} as an astronaut floating in space, cinematic`,
    `a watercolor painting of ${t} in a flower garden`,
    `${t} on a snowy mountain at sunset, wide shot`,
    `a pixel art picture of ${t} on a blue background, small, top left`,
  ],
  // Five unrelated subjects (animal, vehicle, food, building, plant) so only the look can be shared.
  style: (t) => [
    `a cat sitting on a windowsill, in the style of ${t}`,
    `a rocket launching into the sky, in the style of ${t}`,
    `a slice of pizza on a plate, in the style of ${t}`,
    `a house by a lake, in the style of ${t}`,
    `a tree in a storm, in the style of ${t}`,
  ],
  object: (t) => [
    `a photo of ${t} on a wooden table`,
    `${t} floating in outer space`,
    `${t} on a busy city street at night`,
    `a child holding ${t} in a park`,
    `${t} on a beach at sunset, in the style of an oil painting`,
  ],
};

/**
 * The embedded default model draws 32-px emoji on plain backgrounds; coffee shops and astronauts are words it has
 * never seen, so its wild prompts vary what it knows instead: emoji it can draw (not in the style sample), and the
 * background, size and position its captions state.
 */
const DEFAULT_MODEL_PRESETS: Record<ProjectType, (t: string) => string[]> = {
  subject: (t) => [
    `${t} character on a blue background, small, top left`,
    `${t} character on a black background, large, centered`,
    `${t} character on a yellow background, medium, bottom right`,
    `${t} character on a green background, small, top right`,
    `${t} character on a red background, medium, bottom left`,
  ],
  style: (t) => DEFAULT_MODEL_SUBJECTS.map((s) => `${s}, in the style of ${t}`),
  object: (t) => [
    `${t} on a blue background, small, top left`,
    `${t} on a black background, large, centered`,
    `${t} on a yellow background, medium, bottom right`,
    `${t} on a green background, small, top right`,
    `${t} on a red background, medium, bottom left`,
  ],
};

/**
 * Emoji the default model was pretrained on that the bundled style sample does not show (the demo uses them too),
 * chosen among those it draws best from the name alone (`scripts/default-model-drawable.ts`: each was the nearest
 * corpus image to its own sample for every seed), one each of fruit, animal, weather, insect and place. The earlier
 * choice (unicorn face, strawberry, bicycle, snowman, mushroom) ranked 91–285 of 662 for three of the five.
 */
export const DEFAULT_MODEL_SUBJECTS = ['pear', 'snail', 'cloud', 'lady beetle', 'mountain'];

/** The quick quality test's prompts for a project type, in words the base model ('default' or its folder) knows. */
export function wildPrompts(type: ProjectType, trigger: string, base: string): string[] {
  return (isDefaultBase(base) ? DEFAULT_MODEL_PRESETS : PRESETS)[type](trigger);
}

// One definition of "mentions the trigger" and "the prompt without it" for training and scoring.
export { containsTrigger as mentionsTrigger, withoutTrigger as plainPrompt } from '@lora-studio/trainer';
