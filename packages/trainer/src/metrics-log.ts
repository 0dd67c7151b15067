// The run's metrics as JSON lines (metrics.jsonl in the run folder): one object per event, readable by any tool.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export class MetricsLog {
  constructor(readonly path: string) {}

  append(record: object): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }

  /**
   * On resume, drop what was logged after the checkpoint, so the log reads like one uninterrupted run.
   * A torn last line (killed mid-write) is dropped too.
   */
  truncateAfter(step: number): void {
    if (!existsSync(this.path)) return;
    const kept = readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((line) => {
        if (!line.trim()) return false;
        try {
          const r = JSON.parse(line) as { step?: number };
          return typeof r.step !== 'number' || r.step <= step;
        } catch {
          return false;
        }
      });
    writeFileSync(this.path, kept.map((l) => `${l}\n`).join(''));
  }

  read(): Record<string, unknown>[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
