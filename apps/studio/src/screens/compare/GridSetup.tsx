import type { RunCheckpoint } from '@lora-studio/api';
import { ReferencePicker } from '../../components/ReferencePicker';
import { useStudio } from '../../store';
import { gridProblem, gridSummary, SCALE_AXIS, type GridSettings } from './grid-plan';

const wholeNumber = (text: string, fallback: number) => {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? Math.trunc(n) : fallback;
};

/** The grid's set-up: prompts (the "5 wild prompts" preset, editable), the ticked checkpoints, seed and axes. */
export function GridSetup({ settings, checkpoints, hasEma }: { settings: GridSettings; checkpoints: RunCheckpoint[]; hasEma: boolean }) {
  const editGrid = useStudio((s) => s.editGrid);
  const resetToWildPrompts = useStudio((s) => s.resetToWildPrompts);
  const renderGrid = useStudio((s) => s.renderGrid);
  const rendering = useStudio((s) => s.gridRendering);
  const hasWild = useStudio((s) => s.wildPrompts !== null);
  const dir = useStudio((s) => s.compareFor?.dir ?? null);
  const problem = gridProblem(settings);
  const steps = [...checkpoints].sort((a, b) => a.step - b.step);

  const toggle = (step: number, on: boolean) =>
    editGrid({ checkpoints: on ? [...settings.checkpoints.filter((s) => s !== step), step] : settings.checkpoints.filter((s) => s !== step) });

  return (
    <form
      className="grid-setup panel"
      data-testid="grid-setup"
      onSubmit={(e) => {
        e.preventDefault();
        void renderGrid();
      }}
    >
      <div className="grid-setup-prompts">
        <div className="grid-setup-head">
          <span className="field-label">Prompts, one per line</span>
          <button type="button" className="button quiet" onClick={resetToWildPrompts} disabled={!hasWild} data-testid="grid-wild-prompts">
            5 wild prompts
          </button>
        </div>
        <textarea
          className="input grid-prompts"
          rows={6}
          value={settings.prompts.join('\n')}
          onChange={(e) => editGrid({ prompts: e.target.value.split('\n') })}
          spellCheck={false}
          data-testid="grid-prompts"
        />
        <p className="hint">A strong LoRA keeps the concept in all five wildly different prompts, not only in ones that mirror the training images.</p>
      </div>

      <div className="grid-setup-options">
        <fieldset className="field">
          <legend className="field-label">Checkpoints</legend>
          {steps.length === 0 && <p className="hint">This run has saved no checkpoint yet.</p>}
          <div className="checkpoint-ticks">
            {steps.map((c) => (
              <label key={c.step} className="tick">
                <input type="checkbox" checked={settings.checkpoints.includes(c.step)} onChange={(e) => toggle(c.step, e.target.checked)} data-testid={`grid-checkpoint-${c.step}`} />
                step {c.step.toLocaleString()}
                {c.favourite && <span className="favourite-mark" title="Your favourite">★</span>}
              </label>
            ))}
          </div>
          <label className="tick">
            <input type="checkbox" checked={settings.includeBase} onChange={(e) => editGrid({ includeBase: e.target.checked })} data-testid="grid-include-base" />
            “base model, no LoRA” column
          </label>
          <label className="tick">
            <input type="checkbox" checked={settings.scaleAxis} onChange={(e) => editGrid({ scaleAxis: e.target.checked })} data-testid="grid-scale-axis" />
            LoRA scale axis ({SCALE_AXIS.join(' / ')}); otherwise full strength
          </label>
          {hasEma && (
            <label className="field">
              <span className="field-label">Weights</span>
              <select className="input" value={settings.ema ? 'ema' : 'trained'} onChange={(e) => editGrid({ ema: e.target.value === 'ema' })} data-testid="grid-weights">
                <option value="trained">Trained weights</option>
                <option value="ema">EMA (moving average)</option>
              </select>
              <span className="hint">This run kept a moving average of the adapter: often smoother than the trained weights of the same step.</span>
            </label>
          )}
          {dir && (
            <ReferencePicker
              dir={dir}
              value={(settings.references ?? []).map(String)}
              onChange={(next) => editGrid({ references: next.filter((r) => r !== '').map(Number) })}
              testId="grid"
            />
          )}
        </fieldset>
        <div className="grid-setup-numbers">
          <label className="field">
            <span className="field-label">Seed (fixed)</span>
            <input className="input mono" type="number" min={0} value={settings.seed} onChange={(e) => editGrid({ seed: wholeNumber(e.target.value, settings.seed) })} data-testid="grid-seed" />
          </label>
          <label className="field">
            <span className="field-label">Sampler steps</span>
            <input
              className="input mono"
              type="number"
              min={1}
              max={200}
              value={settings.samplerSteps}
              onChange={(e) => editGrid({ samplerSteps: wholeNumber(e.target.value, settings.samplerSteps) })}
              data-testid="grid-steps"
            />
          </label>
        </div>
      </div>

      <div className="grid-setup-actions">
        <span className="grid-summary" data-testid="grid-summary">
          {gridSummary(settings)}
        </span>
        {problem && <span className="hint warning-text">{problem}</span>}
        <button type="submit" className="button primary" disabled={rendering || problem !== null} data-testid="grid-render">
          {rendering ? 'Rendering…' : 'Render grid'}
        </button>
      </div>
    </form>
  );
}
