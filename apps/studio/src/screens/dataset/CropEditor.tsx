import { useRef, useState, type PointerEvent } from 'react';
import type { CropBox } from '@lora-studio/api';

type Corner = 'nw' | 'ne' | 'sw' | 'se';
type Drag =
  | { kind: 'draw'; fromX: number; fromY: number }
  | { kind: 'move'; startX: number; startY: number; box: CropBox }
  | { kind: 'resize'; corner: Corner; box: CropBox };

/** Smallest crop side, in original pixels: below this a drag is a click, not a crop. */
const MIN_SIDE = 16;
const MIN_RESOLUTION = 512;

interface CropEditorProps {
  src: string;
  /** Upright size of the original; the crop box is stored in these pixels. */
  width: number;
  height: number;
  crop: CropBox | null;
  onSave(crop: CropBox): void;
  onCancel(): void;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Drag on the image to draw a crop box, drag inside it to move it, drag a corner to resize it. */
export function CropEditor({ src, width, height, crop, onSave, onCancel }: CropEditorProps) {
  const frame = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState<CropBox>(crop ?? { x: 0, y: 0, width, height });
  const [drag, setDrag] = useState<Drag | null>(null);

  /** Pointer position in original pixels. */
  const toImage = (event: PointerEvent) => {
    const rect = frame.current!.getBoundingClientRect();
    return {
      x: clamp(Math.round(((event.clientX - rect.left) / rect.width) * width), 0, width),
      y: clamp(Math.round(((event.clientY - rect.top) / rect.height) * height), 0, height),
    };
  };

  const begin = (event: PointerEvent, next: Drag) => {
    event.preventDefault();
    event.stopPropagation();
    frame.current!.setPointerCapture(event.pointerId);
    setDrag(next);
  };

  const onPointerMove = (event: PointerEvent) => {
    if (!drag) return;
    const p = toImage(event);
    if (drag.kind === 'draw') {
      setBox({ x: Math.min(drag.fromX, p.x), y: Math.min(drag.fromY, p.y), width: Math.abs(p.x - drag.fromX), height: Math.abs(p.y - drag.fromY) });
    } else if (drag.kind === 'move') {
      const b = drag.box;
      setBox({ ...b, x: clamp(b.x + p.x - drag.startX, 0, width - b.width), y: clamp(b.y + p.y - drag.startY, 0, height - b.height) });
    } else {
      const b = drag.box;
      // The corner opposite the dragged one stays where it is.
      const fixedX = drag.corner.endsWith('w') ? b.x + b.width : b.x;
      const fixedY = drag.corner.startsWith('n') ? b.y + b.height : b.y;
      setBox({ x: Math.min(fixedX, p.x), y: Math.min(fixedY, p.y), width: Math.abs(p.x - fixedX), height: Math.abs(p.y - fixedY) });
    }
  };

  const onPointerUp = () => {
    if (drag && (box.width < MIN_SIDE || box.height < MIN_SIDE)) setBox(drag.kind === 'draw' ? (crop ?? { x: 0, y: 0, width, height }) : drag.box);
    setDrag(null);
  };

  const pct = (v: number, of: number) => `${(v / of) * 100}%`;
  const valid = box.width >= MIN_SIDE && box.height >= MIN_SIDE;
  const shortSide = Math.min(box.width, box.height);

  return (
    <div className="crop-editor" data-testid="crop-editor">
      <div
        ref={frame}
        className="crop-frame"
        onPointerDown={(event) => {
          const p = toImage(event);
          begin(event, { kind: 'draw', fromX: p.x, fromY: p.y });
        }}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
      >
        <img src={src} alt="" draggable={false} />
        <div
          className="crop-box"
          data-testid="crop-box"
          style={{ left: pct(box.x, width), top: pct(box.y, height), width: pct(box.width, width), height: pct(box.height, height) }}
          onPointerDown={(event) => {
            // A box over the whole image cannot move; dragging on it draws a new one (the frame handles that).
            if (box.width === width && box.height === height) return;
            const p = toImage(event);
            begin(event, { kind: 'move', startX: p.x, startY: p.y, box });
          }}
        >
          {(['nw', 'ne', 'sw', 'se'] as const).map((corner) => (
            <span key={corner} className={`crop-handle ${corner}`} onPointerDown={(event) => begin(event, { kind: 'resize', corner, box })} />
          ))}
        </div>
      </div>
      <p className="crop-size" data-testid="crop-size">
        {box.width} × {box.height} px
        {shortSide < MIN_RESOLUTION && <span className="crop-warning"> — below 512 px on the short side; the guide asks for at least 512×512.</span>}
      </p>
      <div className="crop-actions">
        <button type="button" className="button primary" disabled={!valid} onClick={() => onSave(box)} data-testid="crop-save">
          Save crop
        </button>
        <button type="button" className="button" onClick={() => setBox({ x: 0, y: 0, width, height })}>
          Whole image
        </button>
        <button type="button" className="button quiet" onClick={onCancel} data-testid="crop-cancel">
          Cancel
        </button>
      </div>
    </div>
  );
}
