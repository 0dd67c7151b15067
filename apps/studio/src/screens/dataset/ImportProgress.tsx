import { useStudio } from '../../store';
import { importTotals, isSettled, type ImportItem } from '../../store/import-job';

/** Most rows the per-file list shows at once; a 5,000-file drop lists what is running and what went wrong. */
const MAX_ROWS = 8;

const statusText: Record<ImportItem['status'], string> = {
  waiting: 'Waiting',
  sending: 'Sending',
  analysing: 'Analysing',
  imported: 'Imported',
  duplicate: 'Already in the project',
  rejected: 'Refused',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

/** The import in progress: an overall bar with Cancel, the files being sent now, and every file that was refused. */
export function ImportProgress() {
  const job = useStudio((s) => s.importJob);
  const dir = useStudio((s) => s.datasetDir);
  const cancelImport = useStudio((s) => s.cancelImport);
  const dismissImport = useStudio((s) => s.dismissImport);
  if (!job || job.dir !== dir) return null;

  const totals = importTotals(job);
  const active = job.items.filter((item) => item.status === 'sending' || item.status === 'analysing');
  // An imported file with a note (its caption or mask was not kept) is listed too: the user has something to do.
  const problems = job.items.filter((item) => item.status === 'duplicate' || item.status === 'rejected' || item.status === 'failed' || (item.status === 'imported' && item.message));
  const waiting = job.items.filter((item) => item.status === 'waiting').length;
  const rows = [...active, ...problems].slice(0, MAX_ROWS);
  const percent = Math.round(totals.fraction * 100);
  const headline = job.finished
    ? `${job.cancelled ? 'Import cancelled' : 'Import finished'}: ${totals.imported} imported` +
      (totals.duplicates ? `, ${totals.duplicates} already in the project` : '') +
      (totals.rejected ? `, ${totals.rejected} refused` : '') +
      (totals.failed ? `, ${totals.failed} failed` : '')
    : `${job.cancelled ? 'Cancelling…' : 'Importing'} ${totals.settled} / ${totals.total} files`;

  return (
    <section className={`import-progress${job.finished ? ' finished' : ''}`} data-testid="import-progress" data-finished={job.finished} aria-label="Import">
      <div className="import-headline">
        <span data-testid="import-headline" role="status">
          {headline}
        </span>
        <div
          className="progress-bar"
          role="progressbar"
          aria-label="Import progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          data-testid="import-overall"
        >
          <div className="progress-fill" style={{ width: `${percent}%` }} />
        </div>
        {job.finished ? (
          <button type="button" className="button quiet" onClick={dismissImport} data-testid="import-dismiss">
            Dismiss
          </button>
        ) : (
          <button type="button" className="button" onClick={() => void cancelImport()} disabled={job.cancelled} data-testid="import-cancel">
            {job.cancelled ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </div>
      {rows.length > 0 && (
        <ul className="import-files">
          {rows.map((item) => (
            <li key={item.key} className={`import-file ${item.status}`} data-testid="import-file" data-status={item.status}>
              <span className="import-file-name" title={item.name}>
                {item.name}
              </span>
              {isSettled(item.status) ? (
                <span className="import-file-message">{item.message ?? statusText[item.status]}</span>
              ) : (
                <>
                  <span className="import-file-status">{statusText[item.status]}</span>
                  <div className="progress-bar small" role="progressbar" aria-label={`${item.name} progress`} aria-valuenow={Math.round(item.progress * 100)}>
                    <div className="progress-fill" style={{ width: `${Math.round(item.progress * 100)}%` }} />
                  </div>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {(waiting > 0 || active.length + problems.length > rows.length) && (
        <p className="import-more">
          {waiting > 0 ? `${waiting} waiting` : ''}
          {waiting > 0 && active.length + problems.length > rows.length ? ' · ' : ''}
          {active.length + problems.length > rows.length ? `${active.length + problems.length - rows.length} more not shown` : ''}
        </p>
      )}
      {job.skipped.length > 0 && (
        <p className="import-skipped" data-testid="import-skipped" title={job.skipped.join('\n')}>
          {job.skipped.length} file{job.skipped.length === 1 ? '' : 's'} left out (not images): {job.skipped.slice(0, 3).join(', ')}
          {job.skipped.length > 3 ? ', …' : ''}
        </p>
      )}
    </section>
  );
}
