import { join } from 'node:path';
import { repoRoot } from './paths';
import { send } from './studio-api';

/**
 * Imports the sample style dataset (images with their caption files) into the project at `dir` through the studio's
 * own API: a run's test needs a real dataset, not the clicks that pick one. Resolves with how many images the
 * services imported.
 */
export async function importSampleDataset(studioUrl: string, dir: string): Promise<number> {
  const result = await send(studioUrl, 'images-import', { dir, paths: [join(repoRoot, 'resources', 'samples', 'style')] });
  return result.imported;
}
