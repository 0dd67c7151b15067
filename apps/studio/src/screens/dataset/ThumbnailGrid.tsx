import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { DatasetImage } from '@lora-studio/api';
import { mediaUrl } from '../../client';
import { flagLabels } from './flag-labels';
import { gridLayout, scrollToShowRow, visibleRows } from './grid-layout';
import { startImageDrag } from './reference-drag';

interface ThumbnailGridProps {
  dir: string;
  images: DatasetImage[];
  selectedId: number | null;
  onSelect(id: number): void;
  /** The grid's column count, for ↑/↓ in the view's keyboard handling. */
  onColumns(columns: number): void;
}

/** The dataset as a grid of thumbnails; only the rows in view (plus a few) are rendered. */
export function ThumbnailGrid({ dir, images, selectedId, onSelect, onColumns }: ThumbnailGridProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState({ width: 0, height: 0 });
  const [scrollTop, setScrollTop] = useState(0);

  useLayoutEffect(() => {
    const el = scroller.current!;
    const measure = () => setViewport({ width: el.clientWidth, height: el.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const layout = useMemo(() => gridLayout(viewport.width, images.length), [viewport.width, images.length]);
  useEffect(() => onColumns(layout.columns), [layout.columns, onColumns]);

  const selectedIndex = useMemo(() => images.findIndex((image) => image.id === selectedId), [images, selectedId]);
  // The keyboard moves the selection; the grid follows it so the selected card is never off screen.
  useEffect(() => {
    const el = scroller.current;
    if (!el || selectedIndex < 0 || viewport.height === 0) return;
    const top = scrollToShowRow(layout, Math.floor(selectedIndex / layout.columns), el.scrollTop, viewport.height);
    if (top !== el.scrollTop) el.scrollTop = top;
  }, [selectedIndex, layout, viewport.height]);

  const { first, end } = visibleRows(layout, scrollTop, viewport.height);
  const cards = [];
  for (let index = first * layout.columns; index < Math.min(images.length, end * layout.columns); index++) {
    const image = images[index]!;
    const row = Math.floor(index / layout.columns);
    const column = index % layout.columns;
    cards.push(
      <ImageCard
        key={image.id}
        dir={dir}
        image={image}
        position={index + 1}
        selected={image.id === selectedId}
        top={row * (layout.rowHeight + layout.gap)}
        left={column * (layout.cardWidth + layout.gap)}
        width={layout.cardWidth}
        height={layout.rowHeight}
        onSelect={onSelect}
      />,
    );
  }

  return (
    <div
      ref={scroller}
      className="thumbnail-grid"
      data-testid="thumbnail-grid"
      role="listbox"
      aria-label="Dataset images"
      aria-activedescendant={selectedId !== null && selectedIndex >= 0 ? `image-card-${selectedId}` : undefined}
      tabIndex={0}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
    >
      <div className="thumbnail-grid-space" style={{ height: layout.totalHeight }}>
        {cards}
      </div>
    </div>
  );
}

interface ImageCardProps {
  dir: string;
  image: DatasetImage;
  position: number;
  selected: boolean;
  top: number;
  left: number;
  width: number;
  height: number;
  onSelect(id: number): void;
}

/** One thumbnail with its flags; memoised so scrolling re-renders only the cards that enter the view. */
const ImageCard = memo(function ImageCard({ dir, image, position, selected, top, left, width, height, onSelect }: ImageCardProps) {
  const classes = ['image-card', selected ? 'selected' : '', image.excluded ? 'excluded' : ''].filter(Boolean).join(' ');
  return (
    <div
      id={`image-card-${image.id}`}
      className={classes}
      role="option"
      aria-selected={selected}
      aria-posinset={position}
      aria-label={`${image.sourceName}${image.excluded ? ', excluded' : ''}${image.flags.length ? `, ${image.flags.length} flags` : ''}`}
      data-testid="image-card"
      data-image-id={image.id}
      data-excluded={image.excluded}
      style={{ top, left, width, height }}
      onClick={() => onSelect(image.id)}
      // A thumbnail dragged onto an image's reference slot becomes its reference (edit LoRAs).
      draggable
      onDragStart={(event) => startImageDrag(event.dataTransfer, image.id)}
    >
      <div className="image-card-thumb" style={{ height: width }}>
        <img src={mediaUrl(dir, image.thumbSmall)} alt="" loading="lazy" decoding="async" draggable={false} />
        <div className="image-card-badges">
          {image.flags.map((flag) => (
            <span key={flag.id} className={`flag-badge ${flagLabels[flag.id].severity}`} title={flag.reason} data-testid="flag-badge" data-flag={flag.id}>
              {flagLabels[flag.id].badge}
            </span>
          ))}
        </div>
        {image.excluded && <span className="image-card-excluded">Excluded</span>}
        {image.crop && <span className="image-card-cropped" title="Cropped (the original is unchanged)">Crop</span>}
        {image.mask && (
          <span className="image-card-mask" title="Has a training mask: only what it leaves white is learnt" data-testid="image-card-mask">
            Mask
          </span>
        )}
        {image.references > 0 && (
          <span className="image-card-references" title={`${image.references} reference image${image.references === 1 ? '' : 's'} (an edit LoRA's "before")`} data-testid="image-card-references">
            Ref {image.references}
          </span>
        )}
      </div>
      <div className="image-card-name" title={image.sourceName}>
        {image.sourceName}
      </div>
    </div>
  );
});
