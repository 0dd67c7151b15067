import { useEffect } from 'react';
import type { Project, RunSummary } from '@lora-studio/api';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStudio } from '../../store';
import { RunList } from './RunList';
import { RunPage } from './RunPage';
import { TrainForm } from './TrainForm';
import './train.css';

/** One empty list for every render: a new [] per render would make the store look changed each time. */
const NO_RUNS: RunSummary[] = [];

/** The Train section: the project's runs beside either the new-run form or the run picked in the list. */
export function TrainView({ project }: { project: Project }) {
  const dir = project.dir;
  const openRuns = useStudio((s) => s.openRuns);
  const showRun = useStudio((s) => s.showRun);
  const runs = useStudio((s) => (s.runsDir === dir ? s.runs : NO_RUNS));
  const loaded = useStudio((s) => s.runsDir === dir && s.runsLoaded);
  const error = useStudio((s) => s.runsError);
  const openRunId = useStudio((s) => s.openRunId);

  useEffect(() => {
    void openRuns(dir);
  }, [dir, openRuns]);

  return (
    <section className="train-view" data-testid="section-train">
      <RunList runs={runs} openRunId={openRunId} onOpen={(id) => void showRun(id)} />
      <div className="train-main">
        <ErrorMessage message={error} testId="runs-error" />
        {!loaded ? <p className="loading">Loading runs…</p> : openRunId === null ? <TrainForm project={project} /> : <RunPage project={project} runId={openRunId} />}
      </div>
    </section>
  );
}
