import { imageFlagIds, type DatasetHealth, type ImageFlagId } from '@lora-studio/api';
import { useStudio } from '../../store';
import type { ImageSort } from '../../store/dataset-slice';
import { sortPicked, type PickedFiles } from './picked-files';
import { flagLabels } from './flag-labels';

const sortLabels: Record<ImageSort, string> = {
  imported: 'Import order',
  name: 'Name',
  resolution: 'Resolution',
  sharpness: 'Sharpness',
  exposure: 'Brightness',
  compression: 'Compression',
  colourfulness: 'Colourfulness',
  aspect: 'Aspect ratio',
};

/** What the file picker accepts: the formats the services decode, and zip archives of them. */
const ACCEPT = 'image/*,.heic,.heif,.avif,.tif,.tiff,.zip';

interface DatasetToolbarProps {
  health: DatasetHealth | null;
  /** Position of the selected image in the shown list (1-based), 0 when none. */
  position: number;
  shown: number;
  onPick(picked: PickedFiles): void;
}

/** Add buttons, filter and sort, and where the user is: "Image 3 / 40 (120 total)". */
export function DatasetToolbar({ health, position, shown, onPick }: DatasetToolbarProps) {
  const query = useStudio((s) => s.datasetQuery);
  const focus = useStudio((s) => s.datasetFocus);
  const setDatasetQuery = useStudio((s) => s.setDatasetQuery);
  const focusImages = useStudio((s) => s.focusImages);
  const total = health?.total ?? 0;

  const pick = (input: HTMLInputElement) => {
    if (input.files && input.files.length > 0) onPick(sortPicked(input.files));
    // Picking the same files again must fire `change` again.
    input.value = '';
  };

  return (
    <div className="dataset-toolbar">
      <label className="button primary">
        Add images
        <input type="file" multiple accept={ACCEPT} className="dataset-file-input" onChange={(e) => pick(e.currentTarget)} data-testid="dataset-add-input" />
      </label>
      <label className="button">
        Add folder
        <input
          type="file"
          multiple
          className="dataset-file-input"
          ref={(el) => el?.setAttribute('webkitdirectory', '')}
          onChange={(e) => pick(e.currentTarget)}
          data-testid="dataset-add-folder-input"
        />
      </label>

      <span className="toolbar-divider" />
      <label className="toolbar-field">
        Show
        <select
          className="input"
          value={query.show}
          onChange={(e) => setDatasetQuery({ show: e.currentTarget.value as typeof query.show })}
          data-testid="dataset-show"
        >
          <option value="all">All images</option>
          <option value="included">Included</option>
          <option value="excluded">Excluded</option>
        </select>
      </label>
      <label className="toolbar-field">
        Flag
        <select
          className="input"
          value={query.flag ?? ''}
          onChange={(e) => setDatasetQuery({ flag: (e.currentTarget.value || null) as ImageFlagId | null })}
          data-testid="dataset-flag-filter"
        >
          <option value="">Any</option>
          {imageFlagIds.map((id) => (
            <option key={id} value={id}>
              {flagLabels[id].name}
              {health ? ` (${health.flagCounts[id]})` : ''}
            </option>
          ))}
        </select>
      </label>
      <label className="toolbar-field">
        Sort
        <select className="input" value={query.sort} onChange={(e) => setDatasetQuery({ sort: e.currentTarget.value as ImageSort })} data-testid="dataset-sort">
          {(Object.keys(sortLabels) as ImageSort[]).map((key) => (
            <option key={key} value={key}>
              {sortLabels[key]}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="button quiet"
        onClick={() => setDatasetQuery({ descending: !query.descending })}
        aria-label={query.descending ? 'Descending; switch to ascending' : 'Ascending; switch to descending'}
        title={query.descending ? 'Descending' : 'Ascending'}
        data-testid="dataset-sort-direction"
      >
        {query.descending ? '↓' : '↑'}
      </button>
      {focus && (
        <span className="focus-chip" data-testid="dataset-focus" title={focus.label}>
          Showing {focus.ids.length} from a warning
          <button type="button" className="focus-chip-clear" onClick={() => focusImages(null)} aria-label="Show all images">
            ✕
          </button>
        </span>
      )}
      <span className="dataset-counter" data-testid="dataset-counter" aria-live="polite">
        {position > 0 ? `Image ${position} / ${shown}` : `${shown} image${shown === 1 ? '' : 's'}`} ({total} total)
      </span>
    </div>
  );
}
