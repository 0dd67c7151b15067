import { useState } from 'react';
import { errorMessage } from '../../client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStudio } from '../../store';

type Format = 'txt' | 'jsonl';

/** Captions in and out as `.txt` sidecars (kohya / ai-toolkit) or one JSONL file, in folders on the studio machine. */
export function CaptionFilesPanel({ dir }: { dir: string }) {
  const exportCaptions = useStudio((s) => s.exportCaptions);
  const importCaptions = useStudio((s) => s.importCaptions);
  const [format, setFormat] = useState<Format>('txt');
  // A folder beside the images, in the platform's own separators (the studio may run on Windows).
  const sep = dir.includes('\\') ? '\\' : '/';
  const [outDir, setOutDir] = useState(`${dir.replace(/[\\/]+$/, '')}${sep}export${sep}captions`);
  const [from, setFrom] = useState('');
  const [overwriteReviewed, setOverwriteReviewed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await work());
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const doExport = () =>
    run(async () => {
      const r = await exportCaptions(format, outDir.trim());
      return `${r.captions} caption${r.captions === 1 ? '' : 's'} written to ${r.outDir}${r.skipped ? ` (${r.skipped} images without a caption skipped)` : ''}.`;
    });
  const doImport = () =>
    run(async () => {
      const r = await importCaptions(format, from.trim(), overwriteReviewed);
      const parts = [`${r.imported} imported`, `${r.unchanged} unchanged`];
      if (r.keptReviewed) parts.push(`${r.keptReviewed} reviewed kept`);
      if (r.unmatched.length) parts.push(`${r.unmatched.length} matched no image (${r.unmatched.slice(0, 3).join(', ')}${r.unmatched.length > 3 ? '…' : ''})`);
      return `${parts.join(', ')}.`;
    });

  return (
    <div className="files-panel" data-testid="files-panel">
      <fieldset className="field">
        <legend className="field-label">Format</legend>
        <label className="checks-row">
          <input type="radio" name="caption-format" checked={format === 'txt'} onChange={() => setFormat('txt')} /> .txt beside each image (kohya, ai-toolkit)
        </label>
        <label className="checks-row">
          <input type="radio" name="caption-format" checked={format === 'jsonl'} onChange={() => setFormat('jsonl')} /> JSONL (metadata.jsonl)
        </label>
      </fieldset>
      <h3 className="panel-subtitle">Export</h3>
      <label className="field">
        <span className="field-label">Folder on the studio machine</span>
        <input className="input mono" data-testid="export-dir" value={outDir} onChange={(e) => setOutDir(e.target.value)} />
      </label>
      <button type="button" className="button" data-testid="export-captions" disabled={busy || outDir.trim() === ''} onClick={() => void doExport()}>
        Export captions
      </button>
      <h3 className="panel-subtitle">Import</h3>
      <label className="field">
        <span className="field-label">{format === 'txt' ? 'Folder of .txt files named like the images' : 'A .jsonl file, or a folder holding metadata.jsonl'}</span>
        <input className="input mono" data-testid="import-from" value={from} onChange={(e) => setFrom(e.target.value)} />
      </label>
      <label className="checks-row">
        <input type="checkbox" checked={overwriteReviewed} onChange={(e) => setOverwriteReviewed(e.target.checked)} /> Also replace captions I reviewed
      </label>
      <button type="button" className="button" data-testid="import-captions" disabled={busy || from.trim() === ''} onClick={() => void doImport()}>
        Import captions
      </button>
      {result && (
        <p className="captions-notice" data-testid="files-result" role="status">
          {result}
        </p>
      )}
      <ErrorMessage message={error} testId="files-error" />
    </div>
  );
}
