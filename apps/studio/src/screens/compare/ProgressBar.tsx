import type { Progress } from '../../store/compare-slice';

/** A labelled bar for work counted in items (grid cells, images); the numbers ride on data attributes for tests. */
export function ProgressBar({ progress, label, testId }: { progress: Progress; label: string; testId: string }) {
  const fraction = progress.total > 0 ? progress.done / progress.total : 0;
  return (
    <div className="progress" data-testid={testId} data-done={progress.done} data-total={progress.total}>
      <div className="progress-track" role="progressbar" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.done} aria-label={label}>
        <div className="progress-fill" style={{ width: `${Math.round(fraction * 100)}%` }} />
      </div>
      <span className="progress-label">{label}</span>
    </div>
  );
}
