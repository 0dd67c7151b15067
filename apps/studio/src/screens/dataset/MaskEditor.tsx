import { useEffect, useRef, useState, type PointerEvent } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { BRUSH_SIZE, invertMask, learntShare, maskCanvasSize, pngBase64 } from './mask-canvas';

type Tool = 'brush' | 'eraser';

interface MaskEditorProps {
  /** The picture painted over. */
  src: string;
  /** The image's current mask, or null: painting then starts from an all-black mask (nothing learnt). */
  maskSrc: string | null;
  /** Upright size of the original. */
  width: number;
  height: number;
  saving: boolean;
  onSave(pngBase64: string): void;
  onCancel(): void;
}

const BLACK = '#000000';
const WHITE = '#ffffff';
/** Steps Undo can go back; each holds the whole painted mask (about 3 MB at 1024 × 768). */
const UNDO_STEPS = 10;

/**
 * Paints the training mask over the picture: the brush paints white (learnt), the eraser black (ignored). The mask is
 * shown multiplied over the picture, so what is dark is left out of training.
 */
export function MaskEditor({ src, maskSrc, width, height, saving, onSave, onCancel }: MaskEditorProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const last = useRef<{ x: number; y: number } | null>(null);
  const [tool, setTool] = useState<Tool>('brush');
  const [size, setSize] = useState<number>(BRUSH_SIZE.initial);
  const [ready, setReady] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [changed, setChanged] = useState(false);
  const history = useRef<ImageData[]>([]);
  const [undoable, setUndoable] = useState(0);
  /** Where the brush outline is drawn, in the frame's CSS pixels; null while the pointer is elsewhere. */
  const [outline, setOutline] = useState<{ x: number; y: number; diameter: number } | null>(null);
  /** The share of the picture the mask teaches, measured after each edit. */
  const [share, setShare] = useState<number | null>(null);
  const paint = maskCanvasSize(width, height);

  // Read back after every edit (undo, invert, the share it teaches): a canvas kept in main memory reads fastest.
  // Null once the editor has closed: React detaches the canvas before it runs effect clean-ups, so a mask image that
  // finishes loading in between (after Save closes the editor, say) must find nothing to draw on, not throw.
  const context = () => canvas.current?.getContext('2d', { willReadFrequently: true }) ?? null;
  const measure = () => {
    const ctx = context();
    if (ctx) setShare(learntShare(ctx.getImageData(0, 0, paint.width, paint.height).data));
  };
  const fill = (colour: string) => {
    const ctx = context();
    if (!ctx) return;
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, paint.width, paint.height);
  };

  // The current mask is drawn into the canvas to paint on; crossOrigin keeps the canvas readable for saving (the
  // desktop app serves media from its own scheme).
  useEffect(() => {
    setReady(false);
    setLoadError(null);
    fill(BLACK);
    if (!maskSrc) {
      setReady(true);
      measure();
      return;
    }
    const img = new Image();
    img.crossOrigin = 'anonymous';
    img.onload = () => {
      const ctx = context();
      if (!ctx) return;
      ctx.drawImage(img, 0, 0, paint.width, paint.height);
      setReady(true);
      measure();
    };
    img.onerror = () => setLoadError('The current mask could not be loaded. Start over from an empty mask, or cancel and try again.');
    img.src = maskSrc;
    return () => {
      img.onload = null;
      img.onerror = null;
    };
  }, [maskSrc, paint.width, paint.height]);

  /** Keeps the mask as it is before an edit, so Undo can bring it back. */
  const remember = () => {
    const ctx = context();
    if (!ctx) return;
    history.current = [...history.current.slice(-(UNDO_STEPS - 1)), ctx.getImageData(0, 0, paint.width, paint.height)];
    setUndoable(history.current.length);
  };

  const undo = () => {
    const previous = history.current.pop();
    setUndoable(history.current.length);
    const ctx = context();
    if (!previous || !ctx) return;
    ctx.putImageData(previous, 0, 0);
    setChanged(true);
    measure();
  };

  const follow = (event: PointerEvent) => {
    const rect = canvas.current!.getBoundingClientRect();
    setOutline({ x: event.clientX - rect.left, y: event.clientY - rect.top, diameter: (size * rect.width) / paint.width });
  };

  /** Pointer position in painted pixels. */
  const at = (event: PointerEvent) => {
    const rect = canvas.current!.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) / rect.width) * paint.width, y: ((event.clientY - rect.top) / rect.height) * paint.height };
  };

  const strokeTo = (p: { x: number; y: number }) => {
    const ctx = context();
    if (!ctx) return;
    const from = last.current ?? p;
    ctx.strokeStyle = tool === 'brush' ? WHITE : BLACK;
    ctx.lineWidth = size;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    // A click without a move still leaves a dot: a zero-length round-capped line draws nothing in some browsers.
    ctx.lineTo(p.x + (from.x === p.x && from.y === p.y ? 0.01 : 0), p.y);
    ctx.stroke();
    last.current = p;
    setChanged(true);
  };

  const invert = () => {
    remember();
    const ctx = context();
    if (!ctx) return;
    const pixels = ctx.getImageData(0, 0, paint.width, paint.height);
    invertMask(pixels.data);
    ctx.putImageData(pixels, 0, 0);
    setChanged(true);
    measure();
  };

  // The key handler is set up once; it reaches the current undo through a ref.
  const undoRef = useRef(undo);
  undoRef.current = undo;

  // B and E pick the tool, [ and ] change the brush size, Ctrl+Z undoes, Esc (handled by the Dataset view) cancels.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.target instanceof HTMLElement && event.target.closest('input, textarea, select')) return;
      if ((event.ctrlKey || event.metaKey) && !event.shiftKey && (event.key === 'z' || event.key === 'Z')) {
        event.preventDefault();
        undoRef.current();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === 'b' || event.key === 'B') setTool('brush');
      else if (event.key === 'e' || event.key === 'E') setTool('eraser');
      else if (event.key === '[') setSize((s) => Math.max(BRUSH_SIZE.min, Math.round(s / 1.25)));
      else if (event.key === ']') setSize((s) => Math.min(BRUSH_SIZE.max, Math.round(s * 1.25)));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="mask-editor" data-testid="mask-editor" data-ready={ready ? 'true' : 'false'}>
      <div className="mask-frame">
        <img src={src} alt="" draggable={false} />
        <canvas
          ref={canvas}
          className="mask-canvas"
          width={paint.width}
          height={paint.height}
          data-testid="mask-canvas"
          onPointerDown={(event) => {
            if (!ready || saving) return;
            event.preventDefault();
            canvas.current!.setPointerCapture(event.pointerId);
            remember();
            last.current = null;
            strokeTo(at(event));
          }}
          onPointerMove={(event) => {
            follow(event);
            if (last.current) strokeTo(at(event));
          }}
          onPointerLeave={() => setOutline(null)}
          onPointerUp={() => {
            if (last.current) measure();
            last.current = null;
          }}
          onPointerCancel={() => {
            last.current = null;
          }}
        />
        {outline && (
          <span
            className={`mask-brush-outline ${tool}`}
            aria-hidden="true"
            style={{ left: outline.x - outline.diameter / 2, top: outline.y - outline.diameter / 2, width: outline.diameter, height: outline.diameter }}
          />
        )}
      </div>
      <ErrorMessage message={loadError} testId="mask-load-error" />
      <div className="mask-tools" role="toolbar" aria-label="Mask tools">
        <button type="button" className={`button${tool === 'brush' ? ' primary' : ''}`} aria-pressed={tool === 'brush'} onClick={() => setTool('brush')} title="B" data-testid="mask-brush">
          Brush
        </button>
        <button type="button" className={`button${tool === 'eraser' ? ' primary' : ''}`} aria-pressed={tool === 'eraser'} onClick={() => setTool('eraser')} title="E" data-testid="mask-eraser">
          Eraser
        </button>
        <label className="mask-size">
          Size
          <input type="range" min={BRUSH_SIZE.min} max={BRUSH_SIZE.max} value={size} onChange={(e) => setSize(Number(e.target.value))} title="[ and ]" data-testid="mask-size" />
          <span className="mono">{size} px</span>
        </label>
        <button type="button" className="button" onClick={undo} disabled={undoable === 0} title="Ctrl+Z" data-testid="mask-undo">
          Undo
        </button>
        <button type="button" className="button" onClick={invert} disabled={!ready} data-testid="mask-invert">
          Invert
        </button>
        <button
          type="button"
          className="button"
          onClick={() => {
            if (ready) remember();
            fill(BLACK);
            setLoadError(null);
            setReady(true);
            setChanged(true);
            measure();
          }}
          data-testid="mask-clear"
        >
          Clear
        </button>
      </div>
      <p className="hint">White is learnt, black is left out of training (the guide: for a subject LoRA, paint the subject only).</p>
      {share !== null && (
        <p className={`hint${share === 0 ? ' warning-text' : ''}`} data-testid="mask-share">
          {share === 0
            ? 'Black everywhere: this image teaches nothing (unless the Train form’s unmasked weight is above 0). Paint what should be learnt.'
            : `Learns from ${Math.round(share * 100)} % of the picture.`}
        </p>
      )}
      <div className="crop-actions">
        <button type="button" className="button primary" disabled={!ready || saving || !changed} onClick={() => onSave(pngBase64(canvas.current!.toDataURL('image/png')))} data-testid="mask-save">
          {saving ? 'Saving…' : 'Save mask'}
        </button>
        <button type="button" className="button quiet" onClick={onCancel} disabled={saving} data-testid="mask-cancel">
          Cancel
        </button>
      </div>
    </div>
  );
}
