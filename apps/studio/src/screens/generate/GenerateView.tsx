import { useEffect, useState } from 'react';
import type { GeneratedImage, Project } from '@lora-studio/api';
import { mediaUrl } from '../../client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { loraTypeGuide } from '../../guide';
import { useStudio } from '../../store';
import { ImageViewer } from '../compare/ImageViewer';
import { ProgressBar } from '../compare/ProgressBar';
import { RunPicker } from '../compare/RunPicker';
import { ReferencePicker } from '../../components/ReferencePicker';
import { defaultLora, generateRequest, GUIDANCE_HINT, initialForm, loraLabel, SCALE_WARNING, scaleTooHigh, sizeChoices, type GenerateForm } from './generate-form';
import '../compare/shared.css';
import './generate.css';

/** The Generate section: the base model with or without a checkpoint of the picked run, on the user's own prompts. */
export function GenerateView({ project }: { project: Project }) {
  const dir = project.dir;
  const openPickedRuns = useStudio((s) => s.openPickedRuns);
  const openGenerate = useStudio((s) => s.openGenerate);
  const run = useStudio((s) => (s.pickDir === dir ? s.pickedRun : null));
  const hasRuns = useStudio((s) => s.pickRuns.length > 0);
  const generate = useStudio((s) => s.generate);
  const generating = useStudio((s) => s.generating);
  const progress = useStudio((s) => s.generateProgress);
  const error = useStudio((s) => s.generateError);
  const warning = useStudio((s) => s.generateWarning);
  const [form, setForm] = useState<GenerateForm>(() => initialForm(loraTypeGuide[project.type].captionExample(project.trigger)));
  // Until the user picks a LoRA, the picked run's favourite (else latest) checkpoint is offered.
  const [loraTouched, setLoraTouched] = useState(false);
  // Until the user sets them, guidance and steps are the picked run's sample settings: its base model's own (real CFG
  // at 4 for klein base, 4 unguided steps for a distilled klein, the guidance embedding for dev).
  const [samplingTouched, setSamplingTouched] = useState(false);
  const sampling = !samplingTouched && run ? { guidance: String(run.config.sampleGuidance), steps: String(run.config.sampleSteps) } : {};
  const effective: GenerateForm = { ...(loraTouched ? form : { ...form, lora: defaultLora(run) }), ...sampling };
  const built = generateRequest(effective, run?.id ?? null);
  const edit = (patch: Partial<GenerateForm>) => setForm((f) => ({ ...f, ...patch }));
  const editSampling = (patch: Partial<GenerateForm>) => {
    setSamplingTouched(true);
    edit({ guidance: effective.guidance, steps: effective.steps, ...patch });
  };

  useEffect(() => {
    void openPickedRuns(dir);
    void openGenerate(dir);
  }, [dir, openPickedRuns, openGenerate]);

  const checkpoints = [...(run?.checkpoints ?? [])].sort((a, b) => a.step - b.step);
  const withLora = effective.lora !== 'none';

  return (
    <section className="generate-view" data-testid="section-generate">
      <form
        className="generate-form panel"
        data-testid="generate-form"
        onSubmit={(e) => {
          e.preventDefault();
          if ('request' in built) void generate(built.request);
        }}
      >
        <label className="field generate-prompt">
          <span className="field-label">Prompt</span>
          <textarea className="input" rows={3} value={form.prompt} onChange={(e) => edit({ prompt: e.target.value })} data-testid="generate-prompt" />
        </label>
        <label className="field generate-prompt">
          <span className="field-label">
            Negative prompt <span className="optional">optional</span>
          </span>
          <input
            className="input"
            value={form.negativePrompt}
            placeholder="blurry, low quality, distorted face"
            onChange={(e) => edit({ negativePrompt: e.target.value })}
            data-testid="generate-negative"
          />
        </label>

        <div className="generate-numbers">
          <label className="field">
            <span className="field-label">Guidance</span>
            <input className="input mono" type="number" step={0.5} min={0} max={30} value={effective.guidance} onChange={(e) => editSampling({ guidance: e.target.value })} data-testid="generate-guidance" />
            <span className="hint">{GUIDANCE_HINT}</span>
          </label>
          <label className="field">
            <span className="field-label">Steps</span>
            <input className="input mono" type="number" min={1} max={200} value={effective.steps} onChange={(e) => editSampling({ steps: e.target.value })} data-testid="generate-steps" />
          </label>
          <label className="field">
            <span className="field-label">Seed</span>
            <input className="input mono" type="number" min={0} value={form.seed} placeholder="random" onChange={(e) => edit({ seed: e.target.value })} data-testid="generate-seed" />
            <span className="hint">A batch uses seed, seed+1, …</span>
          </label>
          <label className="field">
            <span className="field-label">Size</span>
            <select className="input" value={form.size} onChange={(e) => edit({ size: e.target.value })} data-testid="generate-size">
              {sizeChoices.map((s) => (
                <option key={s} value={s}>
                  {s === 'default' ? 'The model’s own size' : s}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">Batch</span>
            <input className="input mono" type="number" min={1} max={16} value={form.batch} onChange={(e) => edit({ batch: e.target.value })} data-testid="generate-batch" />
          </label>
        </div>

        <div className="generate-lora">
          {hasRuns && <RunPicker testId="generate-run" />}
          <label className="field">
            <span className="field-label">LoRA</span>
            <select
              className="input"
              value={effective.lora}
              onChange={(e) => {
                setLoraTouched(true);
                edit({ lora: e.target.value });
              }}
              data-testid="generate-lora"
            >
              <option value="none">None: the base model alone</option>
              {checkpoints.map((c) => (
                <option key={c.step} value={String(c.step)}>
                  Step {c.step.toLocaleString()}
                  {c.favourite ? ' ★ favourite' : ''}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">LoRA scale</span>
            <input
              className="input mono"
              type="number"
              step={0.05}
              min={0}
              max={2}
              value={form.scale}
              disabled={!withLora}
              aria-invalid={scaleTooHigh(effective)}
              onChange={(e) => edit({ scale: e.target.value })}
              data-testid="generate-scale"
            />
          </label>
        </div>
        <ReferencePicker dir={dir} value={form.references} onChange={(references) => edit({ references })} testId="generate" />
        {scaleTooHigh(effective) && (
          <p className="hint warning-text" data-testid="generate-scale-warning">
            {SCALE_WARNING}
          </p>
        )}

        <div className="form-actions">
          {'problem' in built && <span className="hint warning-text">{built.problem}</span>}
          <button type="submit" className="button primary" disabled={generating || 'problem' in built} data-testid="generate-submit">
            {generating ? 'Generating…' : 'Generate'}
          </button>
        </div>
        {generating && progress && <ProgressBar progress={progress} label={`Image ${Math.min(progress.done + 1, progress.total)} of ${progress.total}`} testId="generate-progress" />}
        <ErrorMessage message={error} testId="generate-error" />
        {warning && !scaleTooHigh(effective) && (
          <p className="hint warning-text" data-testid="generate-warning">
            {warning}
          </p>
        )}
      </form>
      <GenerateHistory dir={dir} />
    </section>
  );
}

/** Every image made in this project, newest first; the last batch is outlined. */
function GenerateHistory({ dir }: { dir: string }) {
  const history = useStudio((s) => s.generateHistory);
  const loaded = useStudio((s) => s.historyLoaded);
  const lastBatch = useStudio((s) => s.lastBatch);
  const runs = useStudio((s) => s.pickRuns);
  const [open, setOpen] = useState<GeneratedImage | null>(null);
  const runName = (id: number) => runs.find((r) => r.id === id)?.name;
  const detail = (image: GeneratedImage) => `seed ${image.seed} · ${image.steps} steps · guidance ${image.guidance} · ${image.width}×${image.height} · ${loraLabel(image, runName)}`;

  return (
    <section className="generate-history" aria-labelledby="history-title" data-testid="generate-history">
      <h3 id="history-title" className="panel-title">
        History
      </h3>
      {loaded && history.length === 0 && <p className="hint">Images you generate are kept here, with their settings.</p>}
      <ul className="history-grid">
        {history.map((image) => (
          <li key={image.id} className={lastBatch.includes(image.id) ? 'latest' : undefined} data-testid="generated-image">
            <button type="button" className="history-image" onClick={() => setOpen(image)} aria-label={`Enlarge: ${image.prompt}`}>
              <img src={mediaUrl(dir, image.file)} alt={image.prompt} loading="lazy" />
            </button>
            <span className="history-prompt" title={image.prompt}>
              {image.prompt}
            </span>
            <span className="hint mono">{detail(image)}</span>
          </li>
        ))}
      </ul>
      {open && <ImageViewer images={[{ src: mediaUrl(dir, open.file), title: open.prompt, detail: detail(open) }]} onClose={() => setOpen(null)} />}
    </section>
  );
}
