/** How the user set up a run's chart; remembered per run, so reopening it shows the same view. */
export interface ChartSettings {
  /** 0 (raw) to 0.99. */
  smoothing: number;
  showLr: boolean;
  showGradNorm: boolean;
  logY: boolean;
}

export const defaultChartSettings: ChartSettings = { smoothing: 0.8, showLr: false, showGradNorm: false, logY: false };

const key = (dir: string, runId: number) => `lora-studio:chart:${dir}:${runId}`;

export function loadChartSettings(dir: string, runId: number): ChartSettings {
  try {
    const stored = JSON.parse(localStorage.getItem(key(dir, runId)) ?? 'null') as Partial<ChartSettings> | null;
    return { ...defaultChartSettings, ...(stored ?? {}) };
  } catch {
    return defaultChartSettings;
  }
}

export function saveChartSettings(dir: string, runId: number, settings: ChartSettings): void {
  try {
    localStorage.setItem(key(dir, runId), JSON.stringify(settings));
  } catch {
    // Storage full or disabled: the settings last for this visit only.
  }
}
