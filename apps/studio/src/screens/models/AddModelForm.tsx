import { useState, type FormEvent } from 'react';
import type { ModelSourceArgs } from '@lora-studio/api';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStudio } from '../../store';
import { DownloadProgressBar } from './DownloadProgressBar';

type SourceKind = ModelSourceArgs['kind'];

const sourceLabels: Record<SourceKind, { label: string; explanation: string }> = {
  folder: { label: 'A model folder', explanation: 'A download in the Hugging Face diffusers layout (model_index.json, transformer/, text_encoder/, tokenizer/, vae/).' },
  files: { label: "BFL's single files", explanation: 'The transformer file, ae.safetensors, and the text encoder folder with its tokenizer.' },
  hub: { label: 'From Hugging Face', explanation: 'Downloads into the studio’s model cache (resumable); files already in a Hugging Face cache are reused.' },
};

function PathField({ label, value, onChange, testId, placeholder, optional }: { label: string; value: string; onChange(v: string): void; testId: string; placeholder: string; optional?: boolean }) {
  return (
    <label className="field">
      <span className="field-label">
        {label} {optional && <span className="optional">optional</span>}
      </span>
      <input className="input mono" data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)} placeholder={placeholder} spellCheck={false} />
    </label>
  );
}

/** Add a base model from a folder, BFL's files or a Hugging Face repository; a download shows its progress. */
export function AddModelForm() {
  const addModel = useStudio((s) => s.addModel);
  const adding = useStudio((s) => s.addingModel);
  const error = useStudio((s) => s.addModelError);
  const [kind, setKind] = useState<SourceKind>('folder');
  const [folder, setFolder] = useState('');
  const [transformer, setTransformer] = useState('');
  const [vae, setVae] = useState('');
  const [textEncoder, setTextEncoder] = useState('');
  const [tokenizer, setTokenizer] = useState('');
  const [repo, setRepo] = useState('');
  const [token, setToken] = useState('');
  const [name, setName] = useState('');
  const [added, setAdded] = useState<string | null>(null);

  const source = (): ModelSourceArgs => {
    if (kind === 'folder') return { kind, path: folder.trim() };
    if (kind === 'files') return { kind, transformer: transformer.trim(), vae: vae.trim(), textEncoder: textEncoder.trim(), ...(tokenizer.trim() ? { tokenizer: tokenizer.trim() } : {}) };
    return { kind, repo: repo.trim(), ...(token.trim() ? { token: token.trim() } : {}) };
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setAdded(null);
    const what = kind === 'hub' ? repo.trim() : kind === 'folder' ? folder.trim() : transformer.trim();
    if (await addModel(source(), name.trim() || undefined)) {
      setAdded(`Added ${what}.`);
      setName('');
    }
  };

  return (
    <form className="panel add-model-form" data-testid="add-model-form" onSubmit={(e) => void submit(e)} noValidate>
      <h2 className="panel-title">Add a model</h2>
      <fieldset className="field type-choice">
        <legend className="field-label">Where is it?</legend>
        {(Object.keys(sourceLabels) as SourceKind[]).map((k) => (
          <label key={k} className={`type-option${kind === k ? ' selected' : ''}`}>
            <input type="radio" name="model-source" value={k} data-testid={`add-model-kind-${k}`} checked={kind === k} onChange={() => setKind(k)} disabled={adding} />
            <span>
              <span className="type-name">{sourceLabels[k].label}</span>
              <span className="type-explanation">{sourceLabels[k].explanation}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {kind === 'folder' && <PathField label="Folder" value={folder} onChange={setFolder} testId="add-model-folder" placeholder="/models/FLUX.2-klein-base-4B" />}
      {kind === 'files' && (
        <>
          <PathField label="Transformer file" value={transformer} onChange={setTransformer} testId="add-model-transformer" placeholder="/models/flux-2-klein-base-4b.safetensors" />
          <PathField label="VAE file" value={vae} onChange={setVae} testId="add-model-vae" placeholder="/models/ae.safetensors" />
          <PathField label="Text encoder folder" value={textEncoder} onChange={setTextEncoder} testId="add-model-text-encoder" placeholder="/models/Qwen3-4B" />
          <PathField label="Tokenizer folder" optional value={tokenizer} onChange={setTokenizer} testId="add-model-tokenizer" placeholder="when tokenizer.json is not in the text encoder folder" />
        </>
      )}
      {kind === 'hub' && (
        <>
          <label className="field">
            <span className="field-label">Repository</span>
            <input className="input mono" data-testid="add-model-repo" value={repo} onChange={(e) => setRepo(e.target.value)} placeholder="black-forest-labs/FLUX.2-klein-base-4B" spellCheck={false} />
          </label>
          <label className="field">
            <span className="field-label">
              Access token <span className="optional">for gated repositories; never stored</span>
            </span>
            <input className="input mono" type="password" autoComplete="off" data-testid="add-model-token" value={token} onChange={(e) => setToken(e.target.value)} placeholder="hf_…" />
          </label>
        </>
      )}
      <label className="field">
        <span className="field-label">
          Name <span className="optional">optional; taken from the folder or repository</span>
        </span>
        <input className="input mono" data-testid="add-model-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="klein-base-4b" spellCheck={false} />
      </label>
      <DownloadProgressBar />
      <ErrorMessage message={error} testId="add-model-error" />
      {added && !adding && !error && (
        <p className="hint" data-testid="add-model-done">
          {added}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={adding} data-testid="add-model-submit">
          {adding ? (kind === 'hub' ? 'Downloading…' : 'Checking the files…') : 'Add model'}
        </button>
      </div>
    </form>
  );
}
