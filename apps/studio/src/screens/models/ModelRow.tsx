import type { BaseModelInfo } from '@lora-studio/api';
import { componentWords, formatBytes, trainingWords } from './model-words';

/** One library model: what it is, how big, in which precision, and whether everything needed is there. */
export function ModelRow({ model }: { model: BaseModelInfo }) {
  const d = model.description;
  const from = model.sourceRepo ? `Downloaded from ${model.sourceRepo}` : d.layout === 'bfl-files' ? "BFL's single files" : 'A diffusers-layout folder';
  return (
    <li data-testid="model-row" data-model={model.name} data-complete={String(d.complete)}>
      <div className="model-row-head">
        <span className="model-name">{model.name}</span>
        <span className="model-label" data-testid="model-label">{d.label}</span>
        <span className={d.complete ? 'tag' : 'tag warning'} data-testid="model-presence">
          {d.complete ? 'everything present' : 'incomplete'}
        </span>
      </div>
      <p className="model-meta" data-testid="model-training">
        {trainingWords(d)}. Sampling: {d.sampling}.
      </p>
      <dl className="model-facts">
        <dt>Transformer</dt>
        <dd data-testid="model-transformer">{componentWords(d.components.transformer)}</dd>
        <dt>Text encoder</dt>
        <dd>
          {d.textEncoder}, {componentWords(d.components.textEncoder)}
        </dd>
        <dt>VAE</dt>
        <dd>{componentWords(d.components.vae)}</dd>
        <dt>On disk</dt>
        <dd data-testid="model-bytes">{formatBytes(d.bytesOnDisk)}</dd>
        <dt>From</dt>
        <dd>
          {from} — <span className="path mono">{model.path}</span>
        </dd>
      </dl>
      {!d.complete && (
        <div className="model-missing" data-testid="model-missing">
          <p>Missing, so runs cannot use it yet:</p>
          <ul>
            {d.missing.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      )}
    </li>
  );
}
