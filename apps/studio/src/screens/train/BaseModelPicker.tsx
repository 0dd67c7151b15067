import { useEffect } from 'react';
import { DEFAULT_MODEL } from '@lora-studio/api';
import { ErrorMessage } from '../../components/ErrorMessage';
import { routeHash } from '../../routing/route';
import { useStudio } from '../../store';
import { usableModels } from '../models/model-words';

/**
 * The project's base model: the embedded default or a complete library model. The choice is the project's (runs,
 * Compare and Generate use it), so it is saved at once; `onChanged` re-runs the preflight, which words what the
 * choice means (a distilled checkpoint, the memory it needs).
 */
export function BaseModelPicker({ dir, disabled, onChanged }: { dir: string; disabled: boolean; onChanged(): void }) {
  const models = useStudio((s) => s.models);
  const current = useStudio((s) => (s.projectBaseModelDir === dir ? s.projectBaseModel : null));
  const error = useStudio((s) => s.projectBaseModelError);
  const setting = useStudio((s) => s.settingBaseModel);
  const loadModels = useStudio((s) => s.loadModels);
  const loadProjectBaseModel = useStudio((s) => s.loadProjectBaseModel);
  const setProjectBaseModel = useStudio((s) => s.setProjectBaseModel);

  useEffect(() => {
    void loadModels();
    void loadProjectBaseModel(dir);
  }, [dir, loadModels, loadProjectBaseModel]);

  const usable = usableModels(models);
  // A project may name a model that has since gone from the library or become incomplete: shown, not silently replaced.
  const currentMissing = current !== null && current !== DEFAULT_MODEL && !usable.some((m) => m.name === current);
  const picked = models.find((m) => m.name === current);

  return (
    <div className="train-field wide base-model-picker">
      <label className="field-label" htmlFor="train-base-model">
        Base model
      </label>
      <select
        id="train-base-model"
        className="input"
        data-testid="train-base-model"
        value={current ?? ''}
        disabled={disabled || setting || current === null}
        onChange={(e) => {
          void setProjectBaseModel(dir, e.target.value).then(onChanged);
        }}
      >
        {current === null && <option value="">Loading…</option>}
        <option value={DEFAULT_MODEL}>default — the small embedded model</option>
        {usable.map((m) => (
          <option key={m.name} value={m.name}>
            {m.name} — {m.description.label}
          </option>
        ))}
        {currentMissing && <option value={current}>{current} — not usable now</option>}
      </select>
      <span className="hint">
        {picked ? `${picked.description.label}; samples with ${picked.description.sampling}. ` : ''}
        Models come from the <a href={routeHash({ screen: 'models' })}>Models screen</a>.
      </span>
      <ErrorMessage message={error} testId="train-base-model-error" />
    </div>
  );
}
