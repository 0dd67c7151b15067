import { ErrorMessage } from '../../components/ErrorMessage';
import { useStudio } from '../../store';
import { ModelRow } from './ModelRow';

/** Every model in the library, complete or not: an unfinished download says what it still lacks. */
export function ModelList() {
  const models = useStudio((s) => s.models);
  const loaded = useStudio((s) => s.modelsLoaded);
  const error = useStudio((s) => s.modelsError);
  return (
    <section className="panel model-library" aria-labelledby="models-title">
      <h2 className="panel-title" id="models-title">
        Library
      </h2>
      <ErrorMessage message={error} testId="models-error" />
      <ul className="divided-list" data-testid="model-list">
        <li data-testid="model-row" data-model="default" data-complete="true">
          <div className="model-row-head">
            <span className="model-name">default</span>
            <span className="tag">embedded</span>
          </div>
          <p className="model-meta">
            The small FLUX.2-architecture model that ships with the studio (32×32 pixels): for trying the whole workflow
            offline, not for real pictures.
          </p>
        </li>
        {models.map((m) => (
          <ModelRow key={m.name} model={m} />
        ))}
      </ul>
      {loaded && models.length === 0 && !error && (
        <p className="empty-note" data-testid="models-empty">
          No models added yet. Add a FLUX.2 [klein] or [dev] download to train LoRAs for it.
        </p>
      )}
    </section>
  );
}
