import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import type { Project } from '@lora-studio/api';
import { importsByPath } from '../../client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { sectionGuide } from '../../guide';
import { useStudio } from '../../store';
import { visibleImages } from '../../store/dataset-slice';
import { datasetKeyAction } from './dataset-keys';
import { DatasetToolbar } from './DatasetToolbar';
import { filesOfDrop } from './dropped-files';
import { sortPicked, type PickedFiles } from './picked-files';
import { HealthPanel } from './HealthPanel';
import { ImagePanel } from './ImagePanel';
import { ImportProgress } from './ImportProgress';
import { ThumbnailGrid } from './ThumbnailGrid';
import './dataset.css';

/** Keys typed into a field or pressed on a button belong to that control, not to the grid. */
function isControl(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON', 'A'].includes(target.tagName));
}

/** The Dataset section: drop or add images, review them in a grid with their flags, and the health report. */
export function DatasetView({ project }: { project: Project }) {
  const dir = project.dir;
  const openDataset = useStudio((s) => s.openDataset);
  const importFiles = useStudio((s) => s.importFiles);
  const selectImage = useStudio((s) => s.selectImage);
  const setExcluded = useStudio((s) => s.setExcluded);
  const images = useStudio((s) => s.datasetImages);
  const focus = useStudio((s) => s.datasetFocus);
  const health = useStudio((s) => s.datasetHealth);
  const loaded = useStudio((s) => s.datasetLoaded && s.datasetDir === dir);
  const error = useStudio((s) => s.datasetError);
  const actionError = useStudio((s) => s.datasetActionError);
  const selectedId = useStudio((s) => s.selectedImageId);
  const query = useStudio((s) => s.datasetQuery);

  const [columns, setColumns] = useState(1);
  const [cropping, setCropping] = useState(false);
  const [masking, setMasking] = useState(false);
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);

  useEffect(() => {
    void openDataset(dir);
  }, [dir, openDataset]);

  const shown = useMemo(() => visibleImages(images, focus), [images, focus]);
  const selectedIndex = useMemo(() => shown.findIndex((image) => image.id === selectedId), [shown, selectedId]);
  const selected = selectedIndex >= 0 ? shown[selectedIndex]! : null;

  // A different image, or none, ends any crop or mask painting in progress.
  useEffect(() => {
    setCropping(false);
    setMasking(false);
  }, [selectedId]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || isControl(event.target)) return;
      if (cropping || masking) {
        if (event.key === 'Escape') {
          setCropping(false);
          setMasking(false);
        }
        return;
      }
      const action = datasetKeyAction(event.key, { index: selectedIndex, count: shown.length, columns });
      if (!action) return;
      event.preventDefault();
      if (action.kind === 'select') selectImage(shown[action.index]!.id);
      else if (action.kind === 'close') selectImage(null);
      else if (selected) void setExcluded([selected.id], !selected.excluded);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [cropping, masking, selectedIndex, shown, columns, selected, selectImage, setExcluded]);

  const onPick = useCallback((picked: PickedFiles) => importFiles(picked.files, picked.skipped), [importFiles]);

  const hasFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');
  const onDragEnter = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dragDepth.current++;
    setDragging(true);
  };
  const onDragLeave = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    dragDepth.current = Math.max(0, dragDepth.current - 1);
    if (dragDepth.current === 0) setDragging(false);
  };
  const onDragOver = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  };
  const onDrop = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    // Desktop: folders and zips go to the services whole (kohya folders, sidecar captions); browser: walk them here.
    if (importsByPath()) importFiles([...event.dataTransfer.files]);
    else void filesOfDrop(event.dataTransfer).then((files) => onPick(sortPicked(files)));
  };

  const guide = sectionGuide.dataset;
  const empty = loaded && (health?.total ?? 0) === 0;
  const filtered = query.show !== 'all' || query.flag !== null || focus !== null;

  return (
    <section
      className={`dataset-view${dragging ? ' dragging' : ''}`}
      data-testid="section-dataset"
      aria-labelledby="section-title"
      onDragEnter={onDragEnter}
      onDragLeave={onDragLeave}
      onDragOver={onDragOver}
      onDrop={onDrop}
    >
      <h2 id="section-title" className="dataset-title">
        {guide.label}
      </h2>
      <DatasetToolbar health={health} position={selectedIndex + 1} shown={shown.length} onPick={onPick} />
      <ImportProgress />
      <ErrorMessage message={error} testId="dataset-error" />
      <ErrorMessage message={actionError} testId="dataset-action-error" />
      <div className="dataset-body">
        <div className="dataset-grid-area">
          {!loaded ? (
            <p className="loading">Loading images…</p>
          ) : empty ? (
            <div className="dataset-empty" data-testid="dataset-empty">
              <p className="empty-title">Drop photos or folders here</p>
              <p className="empty-text">{guide.emptyText}</p>
            </div>
          ) : shown.length === 0 && filtered ? (
            <p className="dataset-none" data-testid="dataset-none">
              No images match this filter.
            </p>
          ) : (
            <ThumbnailGrid dir={dir} images={shown} selectedId={selectedId} onSelect={selectImage} onColumns={setColumns} />
          )}
        </div>
        <div className="dataset-side">
          {selected ? (
            <ImagePanel dir={dir} image={selected} cropping={cropping} setCropping={setCropping} masking={masking} setMasking={setMasking} />
          ) : health ? (
            <HealthPanel health={health} />
          ) : null}
        </div>
      </div>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop images, folders or .zip files to add them
        </div>
      )}
    </section>
  );
}
