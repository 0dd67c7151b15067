import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const studioDir = join(repoRoot, 'apps', 'studio');
export const studioDist = join(studioDir, 'dist');
export const screenshotDir = join(repoRoot, 'test-output', 'screenshots');
