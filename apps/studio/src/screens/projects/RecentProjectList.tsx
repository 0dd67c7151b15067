import { useState } from 'react';
import type { RecentProject } from '@lora-studio/api';
import { ConfirmDeleteDialog } from '../../components/ConfirmDeleteDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStudio } from '../../store';
import { RecentProjectRow } from './RecentProjectRow';

/** Recently opened projects, newest first; a folder that has gone is shown as such, not hidden. */
export function RecentProjectList() {
  const projects = useStudio((s) => s.projects);
  const loaded = useStudio((s) => s.projectsLoaded);
  const error = useStudio((s) => s.projectsError);
  const deleteProject = useStudio((s) => s.deleteProject);
  const [deleting, setDeleting] = useState<RecentProject | null>(null);

  return (
    <section className="panel recent-projects" aria-labelledby="recent-title">
      <h2 className="panel-title" id="recent-title">
        Recent projects
      </h2>
      <ErrorMessage message={error} testId="projects-error" />
      {loaded && projects.length === 0 && !error && (
        <p className="empty-note" data-testid="projects-empty">
          No projects yet. Create one to start: a project holds the images, captions, training runs and checkpoints of
          one LoRA.
        </p>
      )}
      <ul className="project-list" data-testid="project-list">
        {projects.map((p) => (
          <RecentProjectRow key={p.dir} project={p} onDelete={setDeleting} />
        ))}
      </ul>
      {deleting && (
        <ConfirmDeleteDialog
          project={deleting}
          onDelete={async (deleteFiles) => {
            await deleteProject(deleting.dir, deleteFiles);
          }}
          onClose={() => setDeleting(null)}
        />
      )}
    </section>
  );
}
