import { useStudio } from '../../store';
import { downloadWords } from './model-words';

/** A hub download's bytes, rate and time left, from the services' progress events; the last figures stay afterwards. */
export function DownloadProgressBar() {
  const download = useStudio((s) => s.download);
  const adding = useStudio((s) => s.addingModel);
  if (!download) return null;
  const fraction = download.bytesTotal > 0 ? download.bytesDone / download.bytesTotal : 0;
  const finished = download.filesDone === download.fileCount && download.bytesDone === download.bytesTotal;
  const state = adding ? `Downloading ${download.repo}` : finished ? `Downloaded ${download.repo}` : `Download of ${download.repo} stopped`;
  return (
    <div className="progress model-download" data-testid="model-download" data-done={download.bytesDone} data-total={download.bytesTotal} data-running={String(adding)}>
      <div className="progress-track" role="progressbar" aria-valuemin={0} aria-valuemax={download.bytesTotal} aria-valuenow={download.bytesDone} aria-label={`Downloading ${download.repo}`}>
        <div className="progress-fill" style={{ width: `${Math.round(fraction * 100)}%` }} />
      </div>
      <span className="progress-label">
        {state}: {downloadWords(adding ? download : { ...download, etaSeconds: null })}
      </span>
      {adding && download.file && <span className="hint mono">{download.file}</span>}
    </div>
  );
}
