import { useStudio } from '../../store';
import { downloadWords } from './model-words';

/** A hub download's bytes, rate and time left, from the services' progress events. */
export function DownloadProgressBar() {
  const download = useStudio((s) => s.download);
  const adding = useStudio((s) => s.addingModel);
  if (!download || !adding) return null;
  const fraction = download.bytesTotal > 0 ? download.bytesDone / download.bytesTotal : 0;
  return (
    <div className="progress model-download" data-testid="model-download" data-done={download.bytesDone} data-total={download.bytesTotal}>
      <div className="progress-track" role="progressbar" aria-valuemin={0} aria-valuemax={download.bytesTotal} aria-valuenow={download.bytesDone} aria-label={`Downloading ${download.repo}`}>
        <div className="progress-fill" style={{ width: `${Math.round(fraction * 100)}%` }} />
      </div>
      <span className="progress-label">
        {download.repo}: {downloadWords(download)}
      </span>
      {download.file && <span className="hint mono">{download.file}</span>}
    </div>
  );
}
