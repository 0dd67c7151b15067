import { useEffect } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { routeHash, type SectionId } from '../../routing/route';
import { useStudio } from '../../store';
import { CaptionsView } from '../captions/CaptionsView';
import { CompareView } from '../compare/CompareView';
import { DatasetView } from '../dataset/DatasetView';
import { ExportView } from '../export/ExportView';
import { GenerateView } from '../generate/GenerateView';
import { TrainView } from '../train/TrainView';
import { ProjectHeader } from './ProjectHeader';
import { SectionTabs } from './SectionTabs';

/** One open project: its header, the workflow's sections, and the section in the URL. */
export function ProjectFrame({ dir, section }: { dir: string; section: SectionId }) {
  const project = useStudio((s) => (s.openDir === dir ? s.project : null));
  const error = useStudio((s) => (s.openDir === dir ? s.projectError : null));
  const openProject = useStudio((s) => s.openProject);
  const closeProject = useStudio((s) => s.closeProject);

  useEffect(() => {
    void openProject(dir);
    return closeProject;
  }, [dir, openProject, closeProject]);

  // Window titles name the project, so several studio windows or tabs can be told apart.
  const name = project?.name;
  useEffect(() => {
    document.title = name ? `${name} — LoRA Studio` : 'LoRA Studio';
    return () => {
      document.title = 'LoRA Studio';
    };
  }, [name]);

  if (error) {
    return (
      <main className="project-frame" data-testid="project-frame">
        <div className="project-unavailable">
          <ErrorMessage message={error} testId="project-error" />
          <a className="button" href={routeHash({ screen: 'projects' })}>
            Back to projects
          </a>
        </div>
      </main>
    );
  }
  if (!project) {
    return (
      <main className="project-frame" data-testid="project-frame" aria-busy="true">
        <p className="loading">Opening project…</p>
      </main>
    );
  }
  return (
    <main className="project-frame" data-testid="project-frame">
      <ProjectHeader project={project} />
      <div className="project-body">
        <SectionTabs dir={dir} current={section} />
        <div className="section-content">
          {section === 'dataset' ? (
            <DatasetView project={project} />
          ) : section === 'captions' ? (
            <CaptionsView project={project} />
          ) : section === 'train' ? (
            <TrainView project={project} />
          ) : section === 'compare' ? (
            <CompareView project={project} />
          ) : section === 'generate' ? (
            <GenerateView project={project} />
          ) : (
            <ExportView project={project} />
          )}
        </div>
      </div>
    </main>
  );
}
