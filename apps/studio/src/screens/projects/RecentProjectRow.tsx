import { useState } from 'react';
import type { RecentProject } from '@lora-studio/api';
import { InlineRename } from '../../components/InlineRename';
import { loraTypeGuide } from '../../guide';
import { navigate } from '../../routing/use-route';
import { useStudio } from '../../store';

const openedFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

interface Props {
  project: RecentProject;
  onDelete(project: RecentProject): void;
}

export function RecentProjectRow({ project, onDelete }: Props) {
  const renameProject = useStudio((s) => s.renameProject);
  const [renaming, setRenaming] = useState(false);
  const open = () => navigate({ screen: 'project', dir: project.dir, section: 'dataset' });

  return (
    <li className={`project-row${project.available ? '' : ' missing'}`} data-testid="project-row" data-dir={project.dir}>
      <div className="project-row-main">
        {renaming ? (
          <InlineRename
            name={project.name}
            label={`New name for ${project.name}`}
            onRename={(name) => renameProject(project.dir, name)}
            onClose={() => setRenaming(false)}
          />
        ) : (
          <span className="project-row-name" data-testid="project-row-name">
            {project.name}
          </span>
        )}
        <span className="project-row-meta">
          {project.type && <span className="tag">{loraTypeGuide[project.type].label}</span>}
          {project.trigger && <code className="trigger">{project.trigger}</code>}
          {!project.available && (
            <span className="tag warning" data-testid="project-missing" title="It may have been moved, deleted, or be on a drive that is not plugged in.">
              Folder missing
            </span>
          )}
          <span className="path" title={project.dir}>
            {project.dir}
          </span>
        </span>
      </div>
      <span className="project-row-opened" title="Last opened">
        {openedFormat.format(new Date(project.openedAt))}
      </span>
      <span className="project-row-actions">
        <button type="button" className="button primary" data-testid="project-open" onClick={open} disabled={!project.available}>
          Open
        </button>
        <button type="button" className="button" data-testid="project-rename" onClick={() => setRenaming(true)} disabled={!project.available || renaming}>
          Rename
        </button>
        <button type="button" className="button danger-quiet" data-testid="project-delete" onClick={() => onDelete(project)}>
          {project.available ? 'Delete…' : 'Remove…'}
        </button>
      </span>
    </li>
  );
}
