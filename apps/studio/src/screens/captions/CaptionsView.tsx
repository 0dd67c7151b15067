import type { Project } from '@lora-studio/api';
import { useEffect, useState } from 'react';
import { errorMessage } from '../../client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { sectionGuide } from '../../guide';
import { routeHash } from '../../routing/route';
import { useStudio } from '../../store';
import { AutoCaptionPanel } from './AutoCaptionPanel';
import { BatchPanel } from './BatchPanel';
import { CaptionEditor } from './CaptionEditor';
import { CaptionFilesPanel } from './CaptionFilesPanel';
import { CaptionsToolbar } from './CaptionsToolbar';
import { ConfirmDialog } from './ConfirmDialog';
import { Filmstrip } from './Filmstrip';
import { isBulkStep } from './history';
import { ImageStage } from './ImageStage';
import type { CaptionKeyAction } from './keys';
import { LintReportPanel } from './LintReportPanel';
import { neighbourId, nextUnreviewedId } from './navigation';
import { TagTable } from './TagTable';
import { useCaptionKeys } from './use-caption-keys';
import { useVisibleItems } from './use-caption-context';
import './captions.css';
import { SectionEmptyState } from '../../components/SectionEmptyState';

const panels = [
  { id: 'caption', label: 'Caption' },
  { id: 'report', label: 'Lint report' },
  { id: 'batch', label: 'Batch' },
  { id: 'tags', label: 'Tags' },
  { id: 'auto', label: 'Auto-caption' },
  { id: 'files', label: 'Import/Export' },
] as const;
type PanelId = (typeof panels)[number]['id'];

/** The caption studio: filmstrip left, image centre, caption and tools right; keyboard-driven, saved as you type. */
export function CaptionsView({ project }: { project: Project }) {
  const loadCaptions = useStudio((s) => s.loadCaptions);
  const leaveCaptions = useStudio((s) => s.leaveCaptions);
  const overview = useStudio((s) => (s.captionsDir === project.dir ? s.captions : null));
  const error = useStudio((s) => (s.captionsDir === project.dir ? s.captionsError : null));
  const selectedId = useStudio((s) => s.selectedImageId);
  const draft = useStudio((s) => s.captionDraft);
  const select = useStudio((s) => s.selectCaption);
  const setReviewed = useStudio((s) => s.setReviewed);
  const undo = useStudio((s) => s.undoCaptions);
  const redo = useStudio((s) => s.redoCaptions);
  const items = useVisibleItems();
  const [panel, setPanel] = useState<PanelId>('caption');
  const [askUndo, setAskUndo] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);

  useEffect(() => {
    void loadCaptions(project.dir);
    return leaveCaptions;
  }, [project.dir, loadCaptions, leaveCaptions]);

  const ids = items.map((i) => i.imageId);
  const selected = overview?.items.find((i) => i.imageId === selectedId) ?? null;

  const report = (work: Promise<string | null>, done: (label: string) => string) => {
    work.then(
      (label) => setNotice(label ? { text: done(label), error: false } : null),
      (err: unknown) => setNotice({ text: errorMessage(err), error: true }),
    );
  };
  const runUndo = () => report(undo(), (label) => `Undid “${label}”.`);
  const requestUndo = () => {
    const label = useStudio.getState().captions?.history.undo;
    if (!label) return;
    if (isBulkStep(label)) setAskUndo(label);
    else runUndo();
  };
  const requestRedo = () => {
    if (useStudio.getState().captions?.history.redo) report(redo(), (label) => `Redid “${label}”.`);
  };
  const reviewAndNext = () => {
    if (selectedId === null) return;
    const next = neighbourId(ids, selectedId, 1);
    setReviewed(selectedId, true)
      .then(() => (next !== null && next !== selectedId ? select(next) : undefined))
      .catch((err: unknown) => setNotice({ text: errorMessage(err), error: true }));
  };

  useCaptionKeys((action: CaptionKeyAction) => {
    switch (action) {
      case 'previous':
      case 'next': {
        const id = neighbourId(ids, selectedId, action === 'next' ? 1 : -1);
        if (id !== null) void select(id);
        return;
      }
      case 'next-unreviewed': {
        const id = nextUnreviewedId(items, selectedId);
        if (id !== null) void select(id);
        else setNotice({ text: 'Every image here is reviewed.', error: false });
        return;
      }
      case 'review-and-next':
        return reviewAndNext();
      case 'undo':
        return requestUndo();
      case 'redo':
        return requestRedo();
    }
  });

  if (error && !overview) {
    return (
      <section className="captions-view" data-testid="section-captions">
        <ErrorMessage message={error} testId="captions-error" />
      </section>
    );
  }
  if (!overview) {
    return (
      <section className="captions-view" data-testid="section-captions" aria-busy="true">
        <p className="loading">Loading captions…</p>
      </section>
    );
  }
  if (overview.items.every((i) => i.excluded)) {
    const guide = sectionGuide.captions;
    return (
      <section className="empty-section" data-testid="section-captions">
        <h2>{guide.label}</h2>
        <SectionEmptyState section="captions">
          <p className="empty-text">
            <a href={routeHash({ screen: 'project', dir: project.dir, section: 'dataset' })}>Add images in the Dataset section</a> first.
          </p>
        </SectionEmptyState>
      </section>
    );
  }

  return (
    <section className="captions-view" data-testid="section-captions">
      <CaptionsToolbar overview={overview} notice={notice} onUndo={requestUndo} onRedo={requestRedo} />
      <ErrorMessage message={error} testId="captions-error" />
      <div className="captions-layout">
        <Filmstrip dir={project.dir} items={items} />
        <ImageStage dir={project.dir} item={selected} />
        <aside className="captions-side">
          <nav className="panel-tabs" role="tablist" aria-label="Caption tools">
            {panels.map((p) => (
              <button
                key={p.id}
                type="button"
                role="tab"
                aria-selected={panel === p.id}
                className={`panel-tab${panel === p.id ? ' active' : ''}`}
                data-testid={`captions-tab-${p.id}`}
                onClick={() => setPanel(p.id)}
              >
                {p.label}
              </button>
            ))}
          </nav>
          <div className="panel-body" role="tabpanel">
            {panel === 'caption' &&
              (selected && draft && draft.imageId === selected.imageId ? (
                <CaptionEditor item={selected} draft={draft} onReviewAndNext={reviewAndNext} />
              ) : (
                <p className="hint">Select an image on the left.</p>
              ))}
            {panel === 'report' && <LintReportPanel onShowImage={() => setPanel('caption')} onNotice={setNotice} />}
            {panel === 'batch' && <BatchPanel onNotice={setNotice} />}
            {panel === 'tags' && <TagTable />}
            {panel === 'auto' && <AutoCaptionPanel />}
            {panel === 'files' && <CaptionFilesPanel dir={project.dir} />}
          </div>
        </aside>
      </div>
      {askUndo && (
        <ConfirmDialog
          title={`Undo “${askUndo}”?`}
          confirmLabel="Undo"
          testId="undo-confirm"
          onConfirm={runUndo}
          onClose={() => setAskUndo(null)}
        >
          <p>This step changed many captions at once; undoing it puts all of them back as they were before. Redo brings it back.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
