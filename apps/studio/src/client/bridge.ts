import type { LoraStudioBridge as Bridge } from '@lora-studio/api';

export type { ServicesState } from '@lora-studio/api';

/**
 * What the Electron preload exposes as `window.loraStudio` (contextBridge), with the DOM's `File` for dropped files.
 * The preload checks its object against the same contract type with `satisfies`, so the two sides cannot drift apart.
 */
export type LoraStudioBridge = Bridge<File>;

declare global {
  interface Window {
    loraStudio?: LoraStudioBridge;
  }
}
