import { isGridSettings, type GridSettings } from './grid-plan';

/**
 * The last grid set up for each run, kept in the renderer's local storage: reopening the Compare view asks for the
 * same grid again, and the services answer it from their cell cache at once. Storage may be unavailable (private
 * windows, quota); the grid then simply starts from the preset.
 */
const key = (dir: string, runId: number) => `lora-studio.compare-grid:${dir}:${runId}`;

export function loadSavedGrid(dir: string, runId: number): GridSettings | null {
  try {
    const text = window.localStorage.getItem(key(dir, runId));
    const value: unknown = text ? JSON.parse(text) : null;
    return isGridSettings(value) ? value : null;
  } catch {
    return null;
  }
}

export function saveGrid(dir: string, runId: number, settings: GridSettings): void {
  try {
    window.localStorage.setItem(key(dir, runId), JSON.stringify(settings));
  } catch {
    // Not remembering the grid only costs the user a click next time.
  }
}
