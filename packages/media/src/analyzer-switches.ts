import type { AnalyzerSwitches } from './analysis-messages';

/**
 * Reads the "image-analyzers" setting: unset means both on (the app's default); otherwise a comma list of the
 * analyzers to run ("text", "faces"), or "none". Unknown words are ignored, so an old setting never blocks a project.
 */
export function analyzerSwitches(setting: string | undefined): AnalyzerSwitches {
  if (setting === undefined) return { text: true, faces: true };
  const words = new Set(setting.split(',').map((w) => w.trim().toLowerCase()));
  return { text: words.has('text'), faces: words.has('faces') };
}
