import type { PreflightReport } from '@lora-studio/api';

/** What stops the run (blocking) and what may disappoint (warnings), each with what to do, as the services word it. */
export function PreflightProblems({ report }: { report: PreflightReport }) {
  if (report.errors.length === 0 && report.warnings.length === 0) return null;
  return (
    <div className="preflight" data-testid="preflight">
      {report.errors.length > 0 && (
        <section className="preflight-group error" aria-label="Blocking problems">
          <h3>Fix before training ({report.errors.length})</h3>
          <ul>
            {report.errors.map((p) => (
              <li key={p.id} data-testid="preflight-error" data-problem={p.id}>
                {p.message}
              </li>
            ))}
          </ul>
        </section>
      )}
      {report.warnings.length > 0 && (
        <section className="preflight-group warning" aria-label="Warnings">
          <h3>Worth a look ({report.warnings.length})</h3>
          <ul>
            {report.warnings.map((p) => (
              <li key={p.id} data-testid="preflight-warning" data-problem={p.id}>
                {p.message}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
