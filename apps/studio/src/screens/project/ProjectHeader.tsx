import { useState } from 'react';
import { subjectKindLabels, type Project } from '@lora-studio/api';
import { InlineRename } from '../../components/InlineRename';
import { loraTypeGuide } from '../../guide';
import { routeHash } from '../../routing/route';
import { useStudio } from '../../store';

export function ProjectHeader({ project }: { project: Project }) {
  const renameProject = useStudio((s) => s.renameProject);
  const [renaming, setRenaming] = useState(false);
  return (
    <header className="project-header">
      <a className="back-link" href={routeHash({ screen: 'projects' })} data-testid="back-to-projects">
        ← Projects
      </a>
      {renaming ? (
        <InlineRename
          name={project.name}
          label="Project name"
          onRename={(name) => renameProject(project.dir, name)}
          onClose={() => setRenaming(false)}
        />
      ) : (
        <h1 className="project-name" data-testid="project-name">
          {project.name}
        </h1>
      )}
      {!renaming && (
        <button type="button" className="button quiet" data-testid="project-header-rename" onClick={() => setRenaming(true)}>
          Rename
        </button>
      )}
      <span className="tag" data-testid="project-type">
        {loraTypeGuide[project.type].label}
      </span>
      {project.subjectKind && (
        <span className="tag" data-testid="project-subject-kind">
          {subjectKindLabels[project.subjectKind]}
        </span>
      )}
      <span className="trigger-label">
        Trigger <code className="trigger" data-testid="project-trigger">{project.trigger}</code>
      </span>
      <span className="path" title={project.dir}>
        {project.dir}
      </span>
    </header>
  );
}
