// What `--base` / `--model` take on the command line: 'default', a name from "model list", or a model path.
import { resolveBaseModel } from '@lora-studio/models/model-library';
import { AppStore, studioHome } from '@lora-studio/store';

/** A library name becomes its folder; 'default' and paths pass through unchanged. */
export function baseFromLibrary(base: string): string {
  const app = new AppStore(studioHome());
  try {
    return resolveBaseModel(app, base);
  } finally {
    app.close();
  }
}
