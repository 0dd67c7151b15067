import { useEffect } from 'react';

export interface ViewerImage {
  src: string;
  title: string;
  /** Seed, checkpoint, scale: what the footer says under the image. */
  detail: string;
}

export type ViewerMove = 'left' | 'right' | 'up' | 'down';

const keyMoves: Record<string, ViewerMove> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };

/**
 * One image enlarged, or two side by side. Esc closes; with `onMove`, the arrow keys walk the grid it came from.
 */
export function ImageViewer({ images, onClose, onMove, hint }: { images: ViewerImage[]; onClose(): void; onMove?(move: ViewerMove): void; hint?: string }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onClose();
        return;
      }
      const move = keyMoves[event.key];
      if (move && onMove) {
        event.preventDefault();
        onMove(move);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose, onMove]);

  return (
    <div className="image-viewer" role="dialog" aria-modal="true" aria-label={images.length > 1 ? 'Side by side' : 'Enlarged image'} data-testid="image-viewer" onClick={onClose}>
      <div className="image-viewer-body" onClick={(e) => e.stopPropagation()}>
        <div className={`image-viewer-images count-${images.length}`}>
          {images.map((image, i) => (
            <figure key={i} data-testid="viewer-image">
              <img src={image.src} alt={image.title} />
              <figcaption>
                <span className="viewer-title">{image.title}</span>
                <span className="mono hint">{image.detail}</span>
              </figcaption>
            </figure>
          ))}
        </div>
        <footer className="image-viewer-footer">
          <span className="hint">{hint ?? 'Esc closes'}</span>
          <button type="button" className="button quiet" onClick={onClose} data-testid="viewer-close">
            Close
          </button>
        </footer>
      </div>
    </div>
  );
}
