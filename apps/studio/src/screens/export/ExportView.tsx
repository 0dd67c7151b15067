import { useEffect, useState } from 'react';
import { loraExportFormats, loraExportPrecisions, type LoraExportPrecision, type Project } from '@lora-studio/api';
import { importsByPath } from '../../client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { sectionGuide } from '../../guide';
import { useStudio } from '../../store';
import { runHasEma } from '../compare/grid-plan';
import { RunPicker } from '../compare/RunPicker';
import { ExportedFile } from './ExportedFile';
import { MetadataTable } from './MetadataTable';
import { formatBytes, formatGuide, precisionGuide } from './proposed-checkpoint';
import '../compare/shared.css';
import './export.css';
import { SectionEmptyState } from '../../components/SectionEmptyState';

/** The Export section: a checkpoint as a LoRA file for other tools, the training config, and the dataset folder. */
export function ExportView({ project }: { project: Project }) {
  const dir = project.dir;
  const openPickedRuns = useStudio((s) => s.openPickedRuns);
  const runsLoaded = useStudio((s) => s.pickDir === dir && s.pickRunsLoaded);
  const runCount = useStudio((s) => s.pickRuns.length);
  const pickError = useStudio((s) => s.pickError);
  const run = useStudio((s) => (s.pickDir === dir ? s.pickedRun : null));
  const prepareExport = useStudio((s) => s.prepareExport);
  const favourite = run?.checkpoints.find((c) => c.favourite)?.step ?? null;

  useEffect(() => {
    void openPickedRuns(dir);
  }, [dir, openPickedRuns]);
  // A new pick, or a favourite marked elsewhere, proposes again.
  const runId = run?.id;
  useEffect(() => {
    const picked = useStudio.getState().pickedRun;
    if (picked && picked.id === runId) void prepareExport(dir, picked);
  }, [dir, runId, favourite, prepareExport]);

  if (runsLoaded && runCount === 0) {
    const guide = sectionGuide.export;
    return (
      <section className="export-view" data-testid="section-export">
        <h2>{guide.label}</h2>
        <SectionEmptyState section="export" />
        <DatasetExport projectDir={dir} />
      </section>
    );
  }

  return (
    <section className="export-view" data-testid="section-export">
      <div className="view-toolbar">
        <RunPicker testId="export-run" />
      </div>
      <ErrorMessage message={pickError} testId="export-run-error" />
      {run ? (
        <LoraExport projectDir={dir} checkpoints={run.checkpoints.map((c) => ({ step: c.step, favourite: c.favourite }))} hasEma={runHasEma(run)} />
      ) : (
        <p className="loading">Loading the run…</p>
      )}
      {run && <ConfigExport projectDir={dir} />}
      <DatasetExport projectDir={dir} />
    </section>
  );
}

function LoraExport({ projectDir, checkpoints, hasEma }: { projectDir: string; checkpoints: { step: number; favourite: boolean }[]; hasEma: boolean }) {
  const proposal = useStudio((s) => s.exportProposal);
  const step = useStudio((s) => s.exportStep);
  const format = useStudio((s) => s.exportFormat);
  const precision = useStudio((s) => s.exportPrecision);
  const weights = useStudio((s) => s.exportWeights);
  const preview = useStudio((s) => s.exportPreview);
  const previewing = useStudio((s) => s.previewing);
  const previewError = useStudio((s) => s.exportPreviewError);
  const exporting = useStudio((s) => s.exporting);
  const exported = useStudio((s) => s.exported);
  const exportError = useStudio((s) => s.exportError);
  const chooseExport = useStudio((s) => s.chooseExport);
  const exportLora = useStudio((s) => s.exportLora);
  const steps = [...checkpoints].sort((a, b) => a.step - b.step);

  if (steps.length === 0) return <p className="hint">This run has saved no checkpoint yet, so there is nothing to export.</p>;
  return (
    <section className="panel export-lora" aria-labelledby="export-lora-title">
      <h3 id="export-lora-title" className="panel-title">
        LoRA file
      </h3>
      <div className="export-choice">
        <label className="field">
          <span className="field-label">Checkpoint</span>
          <select className="input" value={step ?? ''} onChange={(e) => void chooseExport({ step: Number(e.target.value) })} data-testid="export-step">
            {step === null && <option value="">Choose a checkpoint</option>}
            {steps.map((c) => (
              <option key={c.step} value={c.step}>
                Step {c.step.toLocaleString()}
                {c.favourite ? ' ★ favourite' : ''}
              </option>
            ))}
          </select>
          {proposal && (
            <span className="hint" data-testid="export-proposal" data-step={proposal.step}>
              Proposed: step {proposal.step.toLocaleString()} ({proposal.reason}).
            </span>
          )}
        </label>
        <fieldset className="field export-formats">
          <legend className="field-label">Format</legend>
          {loraExportFormats.map((f) => (
            <label key={f} className={`format-option${f === format ? ' selected' : ''}`}>
              <input type="radio" name="export-format" value={f} checked={f === format} onChange={() => void chooseExport({ format: f })} data-testid={`export-format-${f}`} />
              <span className="format-name">{formatGuide[f].label}</span>
              <span className="hint">{formatGuide[f].loadsIn}</span>
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span className="field-label">Precision</span>
          <select className="input" value={precision} onChange={(e) => void chooseExport({ precision: e.target.value as LoraExportPrecision })} data-testid="export-precision">
            {loraExportPrecisions.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          <span className="hint">{precisionGuide[precision]}</span>
        </label>
        {hasEma && (
          <label className="field">
            <span className="field-label">Weights</span>
            <select className="input" value={weights} onChange={(e) => void chooseExport({ weights: e.target.value === 'ema' ? 'ema' : 'trained' })} data-testid="export-weights">
              <option value="trained">Trained weights</option>
              <option value="ema">EMA (moving average)</option>
            </select>
            <span className="hint">This run kept a moving average of the adapter: often smoother than the trained weights; compare both in the Compare view.</span>
          </label>
        )}
      </div>

      <ErrorMessage message={previewError} testId="export-preview-error" />
      {preview && (
        <div className={`export-preview${previewing ? ' stale' : ''}`} data-testid="export-preview" aria-busy={previewing}>
          <dl className="export-facts">
            <dt>File name</dt>
            <dd className="mono" data-testid="export-file-name">
              {preview.fileName}
            </dd>
            <dt>Keys</dt>
            <dd className="mono" data-testid="export-key-count">
              {preview.keyCount.toLocaleString()}
            </dd>
            <dt>Size</dt>
            <dd className="mono" data-testid="export-size">
              {formatBytes(preview.bytes)}
            </dd>
          </dl>
        </div>
      )}

      <div className="form-actions start">
        <button type="button" className="button primary" disabled={step === null || exporting || previewing || !preview} onClick={() => void exportLora()} data-testid="export-lora">
          {exporting ? 'Exporting…' : 'Export'}
        </button>
      </div>
      <ErrorMessage message={exportError} testId="export-error" />
      {exported && <ExportedFile projectDir={projectDir} path={exported.path} testId="export-path" downloadName={exported.fileName} />}
      {preview && <MetadataTable metadata={preview.metadata} />}
    </section>
  );
}

function ConfigExport({ projectDir }: { projectDir: string }) {
  const exportConfig = useStudio((s) => s.exportConfig);
  const busy = useStudio((s) => s.configExporting);
  const done = useStudio((s) => s.configExport);
  const error = useStudio((s) => s.configError);
  return (
    <section className="panel" aria-labelledby="export-config-title">
      <h3 id="export-config-title" className="panel-title">
        Training config
      </h3>
      <p className="hint">Every setting of this run, with the dataset’s hash and the base model, to reproduce or share it.</p>
      <div className="form-actions start">
        <button type="button" className="button" disabled={busy} onClick={() => void exportConfig('json')} data-testid="export-config-json">
          Export JSON
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => void exportConfig('toml')} data-testid="export-config-toml">
          Export TOML
        </button>
      </div>
      <ErrorMessage message={error} testId="export-config-error" />
      {done && <ExportedFile projectDir={projectDir} path={done.path} testId="export-config-path" />}
    </section>
  );
}

/** Where a new folder goes by default: beside the LoRA exports, in the project. */
function defaultDatasetFolder(projectDir: string): string {
  const sep = projectDir.includes('\\') && !projectDir.includes('/') ? '\\' : '/';
  const stamp = new Date().toISOString().slice(0, 10);
  return [projectDir.replace(/[\\/]+$/, ''), 'exports', `dataset-${stamp}`].join(sep);
}

function DatasetExport({ projectDir }: { projectDir: string }) {
  const exportDataset = useStudio((s) => s.exportDataset);
  const busy = useStudio((s) => s.datasetExporting);
  const done = useStudio((s) => s.datasetExport);
  const error = useStudio((s) => s.datasetError);
  const [folder, setFolder] = useState(() => defaultDatasetFolder(projectDir));
  return (
    <section className="panel" aria-labelledby="export-dataset-title">
      <h3 id="export-dataset-title" className="panel-title">
        Dataset
      </h3>
      <p className="hint">
        Every included image{importsByPath() ? '' : ' (on the machine running the studio)'} with a same-name .txt caption, into an empty or new folder — what kohya, ai-toolkit
        and “lora-studio train FOLDER” read.
      </p>
      <form
        className="form-actions start"
        onSubmit={(e) => {
          e.preventDefault();
          void exportDataset(folder.trim());
        }}
      >
        <input className="input mono" value={folder} onChange={(e) => setFolder(e.target.value)} aria-label="Dataset folder" data-testid="export-dataset-folder" />
        <button type="submit" className="button" disabled={busy || folder.trim() === ''} data-testid="export-dataset">
          {busy ? 'Exporting…' : 'Export dataset'}
        </button>
      </form>
      <ErrorMessage message={error} testId="export-dataset-error" />
      {done && (
        <p className="export-result" data-testid="export-dataset-result">
          {done.images} image{done.images === 1 ? '' : 's'} with captions in <span className="path mono">{done.folder}</span>
          {done.uncaptioned > 0 && <span className="warning-text"> — {done.uncaptioned} had no caption (empty .txt written).</span>}
        </p>
      )}
    </section>
  );
}

