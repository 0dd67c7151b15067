import type { CaptionItem } from '@lora-studio/api';
import { useEffect, useRef } from 'react';
import { mediaUrl } from '../../client/dataset-files';
import { useStudio } from '../../store';
import { captionState, type CaptionState } from './navigation';

const stateLabel: Record<CaptionState, string> = {
  reviewed: 'Reviewed',
  flagged: 'Needs a look',
  unreviewed: 'Not reviewed',
};

/** The images down the left: thumbnail, name, the start of the caption, and whether it is done. */
export function Filmstrip({ dir, items }: { dir: string; items: CaptionItem[] }) {
  const selected = useStudio((s) => s.selectedImageId);
  const select = useStudio((s) => s.selectCaption);
  return (
    <ul className="filmstrip" role="listbox" aria-label="Images" data-testid="caption-filmstrip">
      {items.map((item) => (
        <FilmstripRow key={item.imageId} dir={dir} item={item} selected={item.imageId === selected} onSelect={() => void select(item.imageId)} />
      ))}
    </ul>
  );
}

function FilmstripRow({ dir, item, selected, onSelect }: { dir: string; item: CaptionItem; selected: boolean; onSelect(): void }) {
  const thumb = useStudio((s) => s.captionThumbs[item.imageId]?.small);
  const row = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (selected) row.current?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  const state = captionState(item);
  return (
    <li
      ref={row}
      className={`filmstrip-row ${state}${selected ? ' selected' : ''}`}
      role="option"
      aria-selected={selected}
      data-testid="caption-row"
      data-image-id={item.imageId}
      data-state={state}
      onClick={onSelect}
    >
      {thumb ? <img className="filmstrip-thumb" src={mediaUrl(dir, thumb)} alt="" loading="lazy" /> : <span className="filmstrip-thumb" />}
      <span className="filmstrip-text">
        <span className="filmstrip-name">{item.sourceName}</span>
        <span className={`filmstrip-caption${item.text ? '' : ' missing'}`} data-testid="caption-row-text">
          {item.text || 'No caption yet'}
        </span>
      </span>
      <span className={`state-dot ${state}`} title={stateLabel[state]} aria-label={stateLabel[state]} />
    </li>
  );
}
