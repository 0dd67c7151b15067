import type { CaptionsOverview } from '@lora-studio/api';
import { useStudio } from '../../store';

interface Props {
  overview: CaptionsOverview;
  notice: { text: string; error: boolean } | null;
  onUndo(): void;
  onRedo(): void;
}

/** Progress ("34 / 52 reviewed"), the filter in force, and undo/redo named after the step they revert. */
export function CaptionsToolbar({ overview, notice, onUndo, onRedo }: Props) {
  const filter = useStudio((s) => s.captionFilter);
  const setFilter = useStudio((s) => s.setCaptionFilter);
  const share = overview.total === 0 ? 0 : overview.reviewed / overview.total;
  const { undo, redo } = overview.history;
  return (
    <div className="captions-toolbar">
      <span className="review-progress" data-testid="captions-progress">
        <span className="review-bar" aria-hidden="true">
          <span style={{ width: `${Math.round(share * 100)}%` }} />
        </span>
        {overview.reviewed} / {overview.total} reviewed
      </span>
      {overview.flagged > 0 && (
        <span className="tag warning" data-testid="captions-flagged">
          {overview.flagged} flagged
        </span>
      )}
      {filter && (
        <span className="filter-chip" data-testid="captions-filter">
          Showing {filter.imageIds.length}: {filter.label}
          <button type="button" className="button quiet" aria-label="Show all images" data-testid="captions-filter-clear" onClick={() => setFilter(null)}>
            ×
          </button>
        </span>
      )}
      {notice && (
        <span className={notice.error ? 'error-message' : 'captions-notice'} role="status" data-testid="captions-notice">
          {notice.text}
        </span>
      )}
      <span className="spacer" />
      <button type="button" className="button" data-testid="captions-undo" disabled={!undo} title={undo ? `Undo “${undo}” (Ctrl+Z)` : 'Nothing to undo'} onClick={onUndo}>
        Undo{undo ? ` ${undo}` : ''}
      </button>
      <button type="button" className="button" data-testid="captions-redo" disabled={!redo} title={redo ? `Redo “${redo}” (Ctrl+Y)` : 'Nothing to redo'} onClick={onRedo}>
        Redo{redo ? ` ${redo}` : ''}
      </button>
    </div>
  );
}
