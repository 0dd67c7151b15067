import { tagFrequency } from '@lora-studio/captions';
import { useMemo, useState } from 'react';
import { useStudio } from '../../store';
import { useCaptionTexts, useLintSettings } from './use-caption-context';

type SortKey = 'count' | 'name' | 'length';

const sorters: Record<SortKey, (a: { tag: string; count: number }, b: { tag: string; count: number }) => number> = {
  count: (a, b) => b.count - a.count || a.tag.localeCompare(b.tag),
  name: (a, b) => a.tag.localeCompare(b.tag),
  length: (a, b) => a.tag.length - b.tag.length || a.tag.localeCompare(b.tag),
};

/** `tag (count)` for every tag (tag-style captions) or short phrase (sentences); a click shows only those images. */
export function TagTable() {
  const texts = useCaptionTexts();
  const settings = useLintSettings();
  const style = useStudio((s) => s.captions?.style ?? 'sentences');
  const filter = useStudio((s) => s.captionFilter);
  const setFilter = useStudio((s) => s.setCaptionFilter);
  const [sort, setSort] = useState<SortKey>('count');
  const [query, setQuery] = useState('');
  const tags = useMemo(
    // Sentence captions count phrases of up to two words; tag captions count whole tags.
    () => (settings ? tagFrequency(texts, settings, style === 'tags' ? 3 : 2) : []),
    [texts, settings, style],
  );
  const q = query.trim().toLowerCase();
  const rows = tags.filter((t) => q === '' || t.tag.includes(q)).sort(sorters[sort]);

  return (
    <div className="tag-table" data-testid="tag-table">
      <div className="tag-table-tools">
        <input className="input" placeholder="Search tags" aria-label="Search tags" value={query} onChange={(e) => setQuery(e.target.value)} />
        <label className="sort-choice">
          Sort
          <select className="input" value={sort} onChange={(e) => setSort(e.target.value as SortKey)} data-testid="tag-sort">
            <option value="count">by frequency</option>
            <option value="name">by name</option>
            <option value="length">by length</option>
          </select>
        </label>
      </div>
      <p className="hint">
        {style === 'tags' ? 'Tags' : 'Phrases'} across {texts.length} captions; the trigger word is left out. Click one to show only its images.
      </p>
      <ul className="tag-rows">
        {rows.map((t) => {
          const label = `tag: ${t.tag}`;
          const active = filter?.label === label;
          return (
            <li key={t.tag}>
              <button
                type="button"
                className={`tag-row${active ? ' active' : ''}`}
                data-testid="tag-row"
                aria-pressed={active}
                onClick={() => setFilter(active ? null : { label, imageIds: t.imageIds })}
              >
                <span className="tag-bar" style={{ width: `${Math.round(t.share * 100)}%` }} aria-hidden="true" />
                <span className="tag-name">
                  {t.tag} ({t.count})
                </span>
              </button>
            </li>
          );
        })}
        {rows.length === 0 && <li className="hint">No tags yet.</li>}
      </ul>
    </div>
  );
}
