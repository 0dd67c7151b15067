import { mediaUrl } from '../../client';
import { useStudio } from '../../store';
import { pathInProject } from './proposed-checkpoint';

/**
 * Where an export was written. The desktop app can show it in the file manager; in a browser the file lies on the
 * machine running the studio, so the page offers it as a download instead.
 */
export function ExportedFile({ projectDir, path, testId, downloadName }: { projectDir: string; path: string; testId: string; downloadName?: string }) {
  const desktop = useStudio((s) => s.appInfo?.mode === 'desktop');
  const canShowInFolder = window.loraStudio?.showInFolder !== undefined;
  const inProject = pathInProject(projectDir, path);
  return (
    <p className="export-result">
      Written to{' '}
      <span className="path mono" data-testid={testId}>
        {path}
      </span>
      {desktop && canShowInFolder ? (
        <button type="button" className="button quiet" onClick={() => window.loraStudio?.showInFolder?.(path)} data-testid={`${testId}-open-folder`}>
          Open containing folder
        </button>
      ) : (
        !desktop &&
        inProject && (
          <a className="button quiet" href={mediaUrl(projectDir, inProject)} download={downloadName ?? inProject.split('/').pop()} data-testid={`${testId}-download`}>
            Download
          </a>
        )
      )}
    </p>
  );
}
