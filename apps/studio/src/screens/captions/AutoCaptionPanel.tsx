import type { CaptionerChoice } from '@lora-studio/api';
import { useEffect, useState } from 'react';
import { errorMessage } from '../../client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStudio } from '../../store';
import { ConfirmDialog } from './ConfirmDialog';

type Kind = CaptionerChoice['kind'];
type Mode = 'missing' | 'unreviewed' | 'all';

const kinds: { id: Kind; label: string; hint: string }[] = [
  {
    id: 'template',
    label: 'Template (offline)',
    hint: 'A draft from the trigger, the LoRA type and what the studio measured (orientation, colours, light, faces). Always available.',
  },
  { id: 'onnx', label: 'ONNX tagger', hint: 'A WD-1.4-style tagger folder (model.onnx + selected_tags.csv): booru tags, good for anime and stylised art.' },
  {
    id: 'openai',
    label: 'Vision model (OpenAI-compatible)',
    hint: 'Ollama, LM Studio, vLLM or a cloud endpoint: detailed sentences. The prompt asks to describe everything except the concept.',
  },
];

const modes: { id: Mode; label: string }[] = [
  { id: 'missing', label: 'Only images without a caption' },
  { id: 'unreviewed', label: 'Replace captions not reviewed yet' },
  { id: 'all', label: 'Replace all, reviewed ones too' },
];

/** Auto-captioning: choose a captioner, Start, watch "n / m images captioned", Cancel at any time. */
export function AutoCaptionPanel() {
  const settings = useStudio((s) => s.captionSettings);
  const auto = useStudio((s) => s.autoCaption);
  const start = useStudio((s) => s.startAutoCaption);
  const cancel = useStudio((s) => s.cancelAutoCaption);
  const updateSettings = useStudio((s) => s.updateCaptionSettings);
  const [kind, setKind] = useState<Kind>('template');
  const [mode, setMode] = useState<Mode>('missing');
  const [taggerDir, setTaggerDir] = useState('');
  const [url, setUrl] = useState('');
  const [model, setModel] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [askAll, setAskAll] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // The fields start from the project's saved choices once they have loaded.
  useEffect(() => {
    if (!settings) return;
    setTaggerDir((v) => v || (settings.tagger.dir ?? ''));
    setUrl((v) => v || settings.vision.url);
    setModel((v) => v || settings.vision.model);
  }, [settings]);

  const launch = async () => {
    setError(null);
    let choice: CaptionerChoice = { kind: 'template' };
    try {
      // The choices are saved with the project (the key in the studio's own store), so the next run and the CLI reuse them.
      if (kind === 'onnx') {
        await updateSettings({ tagger: { dir: taggerDir.trim() } });
        choice = { kind: 'onnx' };
      } else if (kind === 'openai') {
        await updateSettings({ vision: { url: url.trim(), model: model.trim() }, ...(apiKey ? { apiKey } : {}) });
        setApiKey('');
        choice = { kind: 'openai' };
      }
    } catch (err) {
      setError(errorMessage(err));
      return;
    }
    await start(choice, mode);
  };
  const onStart = () => (mode === 'all' ? setAskAll(true) : void launch());

  const p = auto.progress;
  const total = p?.total ?? 0;
  const missingField = (kind === 'onnx' && taggerDir.trim() === '') || (kind === 'openai' && (url.trim() === '' || model.trim() === ''));

  return (
    <div className="auto-panel" data-testid="auto-panel">
      <fieldset className="field" disabled={auto.running}>
        <legend className="field-label">Captioner</legend>
        {kinds.map((k) => (
          <label key={k.id} className={`type-option${kind === k.id ? ' selected' : ''}`}>
            <input type="radio" name="captioner" checked={kind === k.id} onChange={() => setKind(k.id)} data-testid={`auto-kind-${k.id}`} />
            <span>
              <span className="type-name">{k.label}</span>
              <span className="type-explanation">{k.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {kind === 'onnx' && (
        <label className="field">
          <span className="field-label">Tagger folder on the studio machine</span>
          <input className="input mono" data-testid="auto-tagger-dir" value={taggerDir} placeholder="/models/wd-v1-4-vit-tagger-v2" onChange={(e) => setTaggerDir(e.target.value)} disabled={auto.running} />
          {settings && <span className="hint">Tags above {settings.tagger.threshold} confidence, at most {settings.tagger.maxTags}.</span>}
        </label>
      )}
      {kind === 'openai' && (
        <>
          <label className="field">
            <span className="field-label">Server URL</span>
            <input className="input mono" data-testid="auto-url" value={url} placeholder="http://localhost:11434/v1" onChange={(e) => setUrl(e.target.value)} disabled={auto.running} />
          </label>
          <label className="field">
            <span className="field-label">Model</span>
            <input className="input mono" data-testid="auto-model" value={model} placeholder="qwen2.5vl:7b" onChange={(e) => setModel(e.target.value)} disabled={auto.running} />
          </label>
          <label className="field">
            <span className="field-label">
              API key <span className="optional">{settings?.apiKeySet ? '(one is stored; type to replace it)' : '(if the server needs one)'}</span>
            </span>
            <input className="input mono" type="password" autoComplete="off" value={apiKey} onChange={(e) => setApiKey(e.target.value)} disabled={auto.running} />
            <span className="hint">Kept in the studio’s own settings, never in the project folder.</span>
          </label>
        </>
      )}
      <fieldset className="field" disabled={auto.running}>
        <legend className="field-label">Which images</legend>
        {modes.map((m) => (
          <label key={m.id} className="checks-row">
            <input type="radio" name="auto-mode" checked={mode === m.id} onChange={() => setMode(m.id)} data-testid={`auto-mode-${m.id}`} /> {m.label}
          </label>
        ))}
      </fieldset>
      <div className="auto-actions">
        {auto.running ? (
          <button type="button" className="button" data-testid="auto-cancel" disabled={auto.cancelling} onClick={() => void cancel().catch((err: unknown) => setError(errorMessage(err)))}>
            {auto.cancelling ? 'Canceling…' : 'Cancel'}
          </button>
        ) : (
          <button type="button" className="button primary" data-testid="auto-start" disabled={missingField || !settings} onClick={onStart}>
            Start
          </button>
        )}
        {(auto.running || p) && (
          <span className="auto-progress" data-testid="auto-progress" role="status">
            {p ? `${p.captioned} / ${total} images captioned` : 'Starting…'}
            {p && p.failed > 0 ? `, ${p.failed} failed` : ''}
          </span>
        )}
      </div>
      {auto.running && total > 0 && (
        <progress className="auto-bar" max={total} value={p?.done ?? 0} aria-label="Auto-caption progress" />
      )}
      {p?.error && auto.running && <p className="hint">Last problem: {p.error}</p>}
      {auto.outcome && !auto.running && (
        <p className={auto.failed ? 'error-message' : 'captions-notice'} data-testid="auto-outcome">
          {auto.outcome}
        </p>
      )}
      <ErrorMessage message={error} testId="auto-error" />
      {askAll && (
        <ConfirmDialog
          title="Replace reviewed captions too?"
          confirmLabel="Replace all"
          danger
          testId="auto-all-confirm"
          onConfirm={() => void launch()}
          onClose={() => setAskAll(false)}
        >
          <p>Captions you already reviewed will be replaced by drafts. The whole run is one step that Undo reverts.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
