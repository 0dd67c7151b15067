import { useEffect } from 'react';
import type { RunSample } from '@lora-studio/api';
import { mediaUrl } from '../../client';
import { findCell, moveInGrid, previousSample, type GridMove, type SampleGrid } from './sample-grid';

const keyMoves: Record<string, GridMove> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'newer', ArrowDown: 'older' };

/**
 * One sample enlarged beside the same prompt's previous sample: ←/→ another prompt at this step, ↑/↓ the same
 * prompt at a newer/older step, Esc closes.
 */
export function SampleLightbox({ dir, grid, sample, onSelect, onClose }: { dir: string; grid: SampleGrid; sample: RunSample; onSelect(s: RunSample): void; onClose(): void }) {
  const cell = findCell(grid, sample);
  const previous = cell ? previousSample(grid, cell) : null;

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onClose();
        return;
      }
      const move = keyMoves[event.key];
      if (!move || !cell) return;
      event.preventDefault();
      const next = moveInGrid(grid, cell, move);
      if (next) onSelect(grid.rows[next.row]!.cells[next.col]!);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [grid, cell, onSelect, onClose]);

  return (
    <div className="lightbox" role="dialog" aria-modal="true" aria-label="Sample" data-testid="sample-lightbox" onClick={onClose}>
      <div className="lightbox-body" onClick={(e) => e.stopPropagation()}>
        <div className="lightbox-images">
          <figure>
            <img src={mediaUrl(dir, sample.file)} alt={`Sample at step ${sample.step}`} data-testid="lightbox-image" />
            <figcaption>Step {sample.step.toLocaleString()}</figcaption>
          </figure>
          {previous && (
            <figure className="lightbox-previous">
              <img src={mediaUrl(dir, previous.file)} alt={`Previous sample at step ${previous.step}`} />
              <figcaption>Previous: step {previous.step.toLocaleString()}</figcaption>
            </figure>
          )}
        </div>
        <footer className="lightbox-footer" data-testid="lightbox-footer">
          <span className="lightbox-prompt">{sample.prompt}</span>
          <span className="mono">
            step {sample.step.toLocaleString()} · seed {sample.seed}
            {sample.requested ? ' · sampled on request' : ''}
          </span>
          <span className="hint">←/→ prompt · ↑/↓ step · Esc close</span>
          <button type="button" className="button quiet" onClick={onClose} data-testid="lightbox-close">
            Close
          </button>
        </footer>
      </div>
    </div>
  );
}
