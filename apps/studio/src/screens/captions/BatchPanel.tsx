import { planBatch, type BatchOperation, type BatchPlanResult } from '@lora-studio/captions';
import { useState } from 'react';
import { errorMessage } from '../../client';
import { useStudio } from '../../store';
import { BatchPreview } from './BatchPreview';
import { useCaptionTexts, useLintSettings } from './use-caption-context';

type Scope = 'all' | 'filtered' | 'selected';
type Notice = { text: string; error: boolean };

/** "Replace 12 instances", "Add to 8 captions": the button says what applying will do. */
function applyLabel(op: BatchOperation, result: BatchPlanResult): string {
  if (!result.ok) return 'Apply';
  const { edits, changes } = result.plan;
  if (op.kind === 'replace') return `Replace ${edits} instance${edits === 1 ? '' : 's'}`;
  return `Change ${changes.length} caption${changes.length === 1 ? '' : 's'}`;
}

/** Find and replace (plain or regex) and prefix/suffix, over all, the filtered or the selected image(s). */
export function BatchPanel({ onNotice }: { onNotice(n: Notice): void }) {
  const [tool, setTool] = useState<'replace' | 'affix'>('replace');
  const [find, setFind] = useState('');
  const [replace, setReplace] = useState('');
  const [regex, setRegex] = useState(false);
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [wholeWord, setWholeWord] = useState(false);
  const [prefix, setPrefix] = useState('');
  const [suffix, setSuffix] = useState('');
  const [scope, setScope] = useState<Scope>('all');
  const [busy, setBusy] = useState(false);
  const filter = useStudio((s) => s.captionFilter);
  const selectedId = useStudio((s) => s.selectedImageId);
  const apply = useStudio((s) => s.applyCaptionBatch);
  const texts = useCaptionTexts();
  const settings = useLintSettings();

  const effectiveScope: Scope = scope === 'filtered' && !filter ? 'all' : scope;
  const imageIds = effectiveScope === 'filtered' ? filter!.imageIds : effectiveScope === 'selected' && selectedId !== null ? [selectedId] : undefined;
  const op: BatchOperation =
    tool === 'replace' ? { kind: 'replace', find, replace, regex, caseSensitive, wholeWord } : { kind: 'affix', prefix, suffix, separator: ', ' };
  // Planned on every render (each keystroke), with the same code the services run when applying, which plan again
  // from what is stored so a stale preview can never write stale text.
  const only = imageIds ? new Set(imageIds) : null;
  const result = planBatch(op, only ? texts.filter((t) => only.has(t.imageId)) : texts, settings ?? { trigger: '', type: 'subject' });
  const untouched = tool === 'replace' ? find === '' : prefix.trim() === '' && suffix.trim() === '';

  const run = async () => {
    setBusy(true);
    try {
      const r = await apply(op, imageIds);
      onNotice({ text: `${r.label}: ${r.changed} caption${r.changed === 1 ? '' : 's'} changed. Ctrl+Z undoes it.`, error: false });
    } catch (err) {
      onNotice({ text: errorMessage(err), error: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="batch-panel" data-testid="batch-panel">
      <div className="segmented" role="radiogroup" aria-label="Batch tool">
        <label className={tool === 'replace' ? 'active' : ''}>
          <input type="radio" name="batch-tool" checked={tool === 'replace'} onChange={() => setTool('replace')} data-testid="batch-tool-replace" />
          Find and replace
        </label>
        <label className={tool === 'affix' ? 'active' : ''}>
          <input type="radio" name="batch-tool" checked={tool === 'affix'} onChange={() => setTool('affix')} data-testid="batch-tool-affix" />
          Prefix / suffix
        </label>
      </div>
      {tool === 'replace' ? (
        <>
          <label className="field">
            <span className="field-label">Find</span>
            <input className="input mono" data-testid="batch-find" value={find} aria-invalid={!result.ok && find !== ''} onChange={(e) => setFind(e.target.value)} />
          </label>
          <label className="field">
            <span className="field-label">Replace with</span>
            <input className="input mono" data-testid="batch-replace" value={replace} onChange={(e) => setReplace(e.target.value)} placeholder="(nothing: removes it)" />
          </label>
          <div className="checks">
            <label>
              <input type="checkbox" data-testid="batch-regex" checked={regex} onChange={(e) => setRegex(e.target.checked)} /> Regular expression
            </label>
            <label>
              <input type="checkbox" checked={caseSensitive} onChange={(e) => setCaseSensitive(e.target.checked)} /> Match case
            </label>
            <label>
              <input type="checkbox" checked={wholeWord} onChange={(e) => setWholeWord(e.target.checked)} /> Whole words
            </label>
          </div>
        </>
      ) : (
        <>
          <label className="field">
            <span className="field-label">Prefix</span>
            <input className="input" data-testid="batch-prefix" value={prefix} onChange={(e) => setPrefix(e.target.value)} />
          </label>
          <label className="field">
            <span className="field-label">Suffix</span>
            <input className="input" data-testid="batch-suffix" value={suffix} onChange={(e) => setSuffix(e.target.value)} />
          </label>
          <p className="hint">Captions that already start (end) with it are left alone, so running it twice adds nothing twice.</p>
        </>
      )}
      <fieldset className="checks">
        <span className="field-label">Apply to</span>
        <label>
          <input type="radio" name="batch-scope" checked={effectiveScope === 'all'} onChange={() => setScope('all')} /> All images ({texts.length})
        </label>
        <label>
          <input type="radio" name="batch-scope" disabled={!filter} checked={effectiveScope === 'filtered'} onChange={() => setScope('filtered')} /> Filtered
          {filter ? ` (${filter.imageIds.length})` : ''}
        </label>
        <label>
          <input type="radio" name="batch-scope" disabled={selectedId === null} checked={effectiveScope === 'selected'} onChange={() => setScope('selected')} /> This image
        </label>
      </fieldset>
      {!result.ok && !untouched && <p className="error-message" data-testid="batch-error">{result.error}</p>}
      <button
        type="button"
        className="button primary"
        data-testid="batch-apply"
        disabled={busy || !result.ok || result.plan.changes.length === 0}
        onClick={() => void run()}
      >
        {applyLabel(op, result)}
      </button>
      {result.ok && !untouched && <BatchPreview plan={result.plan} />}
    </div>
  );
}
