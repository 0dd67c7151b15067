import { useCallback, useEffect, useState } from 'react';
import type { Project } from '@lora-studio/api';
import { mediaUrl } from '../../client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { sectionGuide } from '../../guide';
import { useStudio } from '../../store';
import { CheckpointGrid } from './CheckpointGrid';
import { columnLabel, moveCell, runHasEma } from './grid-plan';
import { GridSetup } from './GridSetup';
import { ImageViewer, type ViewerImage, type ViewerMove } from './ImageViewer';
import { ProgressBar } from './ProgressBar';
import { RunPicker } from './RunPicker';
import { ScoresPanel } from './ScoresPanel';
import './shared.css';
import './compare.css';
import { SectionEmptyState } from '../../components/SectionEmptyState';

/** The Compare section: the picked run's checkpoints side by side on the same prompts and seeds, with scores. */
export function CompareView({ project }: { project: Project }) {
  const dir = project.dir;
  const openPickedRuns = useStudio((s) => s.openPickedRuns);
  const runsLoaded = useStudio((s) => s.pickDir === dir && s.pickRunsLoaded);
  const runCount = useStudio((s) => s.pickRuns.length);
  const pickError = useStudio((s) => s.pickError);
  const run = useStudio((s) => (s.pickDir === dir ? s.pickedRun : null));
  const prepareCompare = useStudio((s) => s.prepareCompare);
  const ready = useStudio((s) => run !== null && s.compareFor?.dir === dir && s.compareFor.runId === run.id);
  const settings = useStudio((s) => (ready ? s.gridSettings : null));

  useEffect(() => {
    void openPickedRuns(dir);
  }, [dir, openPickedRuns]);
  // A new pick, not every change of the run's status, sets up a grid.
  const runId = run?.id;
  useEffect(() => {
    const picked = useStudio.getState().pickedRun;
    if (picked && picked.id === runId) void prepareCompare(dir, picked);
  }, [dir, runId, prepareCompare]);

  if (runsLoaded && runCount === 0) {
    const guide = sectionGuide.compare;
    return (
      <section className="empty-section" data-testid="section-compare">
        <h2>{guide.label}</h2>
        <SectionEmptyState section="compare" />
      </section>
    );
  }

  return (
    <section className="compare-view" data-testid="section-compare">
      <div className="view-toolbar">
        <RunPicker />
      </div>
      <ErrorMessage message={pickError} testId="compare-run-error" />
      {!run || !settings ? (
        <p className="loading">Loading the run…</p>
      ) : (
        <>
          <GridSetup settings={settings} checkpoints={run.checkpoints} hasEma={runHasEma(run)} />
          <GridArea dir={dir} favourite={run.checkpoints.find((c) => c.favourite)?.step ?? null} />
          <ScoresPanel checkpoints={run.checkpoints} />
        </>
      )}
    </section>
  );
}

/** The grid, its progress, and the enlarged or side-by-side view; cell updates re-render only this part. */
function GridArea({ dir, favourite }: { dir: string; favourite: number | null }) {
  const plan = useStudio((s) => s.gridPlan);
  const cells = useStudio((s) => s.gridCells);
  const progress = useStudio((s) => s.gridProgress);
  const rendering = useStudio((s) => s.gridRendering);
  const error = useStudio((s) => s.gridError);
  const [enlarged, setEnlarged] = useState<number | null>(null);
  const [picked, setPicked] = useState<number[]>([]);
  const [sideBySide, setSideBySide] = useState(false);

  // A new grid starts with nothing enlarged or picked.
  useEffect(() => {
    setEnlarged(null);
    setPicked([]);
    setSideBySide(false);
  }, [plan]);

  const pick = (index: number) => {
    const next = picked.includes(index) ? picked.filter((i) => i !== index) : [...picked, index].slice(-2);
    setPicked(next);
    if (next.length === 2) setSideBySide(true);
  };
  // Closing the side-by-side view lets the user pick a new pair.
  const close = useCallback(() => {
    if (sideBySide) setPicked([]);
    setEnlarged(null);
    setSideBySide(false);
  }, [sideBySide]);
  const move = useCallback(
    (direction: ViewerMove) => {
      if (plan && enlarged !== null) setEnlarged((at) => (at === null ? at : moveCell(plan, cells, at, direction) ?? at));
    },
    [plan, cells, enlarged],
  );

  if (!plan) return <ErrorMessage message={error} testId="grid-error" />;
  const cachedCount = cells.filter((c) => c?.cached).length;
  const viewerImage = (index: number): ViewerImage | null => {
    const cell = cells[index];
    const column = plan.columns[index % plan.columns.length];
    if (!cell || !column) return null;
    return { src: mediaUrl(dir, cell.file), title: cell.prompt, detail: `${columnLabel(column, plan.scaleAxis)} · seed ${cell.seed}` };
  };
  const shown = (sideBySide ? picked : enlarged !== null ? [enlarged] : []).map(viewerImage).filter((i): i is ViewerImage => i !== null);

  return (
    <div className="grid-area">
      {progress && (
        <ProgressBar
          progress={progress}
          testId="grid-progress"
          label={
            rendering
              ? `Rendering: ${progress.done} of ${progress.total} cells`
              : `${progress.total} cells${cachedCount > 0 ? `, ${cachedCount === progress.total ? 'all' : cachedCount} from the cache` : ''}`
          }
        />
      )}
      <ErrorMessage message={error} testId="grid-error" />
      <p className="hint">
        Click a cell to enlarge it; pick two with ⇆ to see them side by side.
        {picked.length === 1 && ' Pick one more.'}
      </p>
      <CheckpointGrid dir={dir} plan={plan} cells={cells} favourite={favourite} picked={picked} onEnlarge={setEnlarged} onPick={pick} />
      {shown.length > 0 && (
        <ImageViewer
          images={shown}
          onClose={close}
          {...(sideBySide ? {} : { onMove: move })}
          hint={sideBySide ? 'Same seed, different checkpoint · Esc closes' : '←/→ checkpoint · ↑/↓ prompt · Esc closes'}
        />
      )}
    </div>
  );
}
