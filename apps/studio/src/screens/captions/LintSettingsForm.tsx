import type { CaptionLintSettings } from '@lora-studio/api';
import { useState } from 'react';
import { errorMessage } from '../../client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStudio } from '../../store';

/** The project's lint thresholds: the text encoder's length, how early the trigger must come, earlier triggers. */
export function LintSettingsForm({ lint }: { lint: CaptionLintSettings }) {
  const update = useStudio((s) => s.updateCaptionSettings);
  const [maxTokens, setMaxTokens] = useState(String(lint.maxTokens));
  const [earlyWords, setEarlyWords] = useState(String(lint.earlyWords));
  const [minWords, setMinWords] = useState(String(lint.minWords));
  const [otherTriggers, setOtherTriggers] = useState(lint.otherTriggers.join(', '));
  const [state, setState] = useState<{ saving: boolean; error: string | null; saved: boolean }>({ saving: false, error: null, saved: false });

  const save = async () => {
    setState({ saving: true, error: null, saved: false });
    try {
      await update({
        lint: {
          maxTokens: Number(maxTokens),
          earlyWords: Number(earlyWords),
          minWords: Number(minWords),
          otherTriggers: otherTriggers.split(',').map((t) => t.trim()).filter(Boolean),
        },
      });
      setState({ saving: false, error: null, saved: true });
    } catch (err) {
      setState({ saving: false, error: errorMessage(err), saved: false });
    }
  };

  return (
    <details className="lint-settings" data-testid="lint-settings">
      <summary>Lint settings</summary>
      <div className="lint-settings-grid">
        <label className="field">
          <span className="field-label">Text encoder limit (tokens)</span>
          <input className="input" type="number" min={8} max={4096} value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} />
        </label>
        <label className="field">
          <span className="field-label">Trigger within the first … words</span>
          <input className="input" type="number" min={1} max={50} value={earlyWords} onChange={(e) => setEarlyWords(e.target.value)} />
        </label>
        <label className="field">
          <span className="field-label">Shortest caption (words)</span>
          <input className="input" type="number" min={0} max={50} value={minWords} onChange={(e) => setMinWords(e.target.value)} />
        </label>
        <label className="field">
          <span className="field-label">Other trigger words to flag</span>
          <input className="input mono" value={otherTriggers} placeholder="ohwx, myoldtrigger" onChange={(e) => setOtherTriggers(e.target.value)} />
        </label>
      </div>
      <button type="button" className="button" disabled={state.saving} onClick={() => void save()}>
        {state.saving ? 'Saving…' : 'Save lint settings'}
      </button>
      {state.saved && <span className="hint"> Saved; the flags above follow.</span>}
      <ErrorMessage message={state.error} />
    </details>
  );
}
