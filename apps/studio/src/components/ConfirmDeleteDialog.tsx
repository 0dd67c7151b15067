import { useEffect, useRef, useState } from 'react';
import type { RecentProject } from '@lora-studio/api';
import { errorMessage } from '../client';
import { ErrorMessage } from './ErrorMessage';

interface Props {
  project: RecentProject;
  onDelete(deleteFiles: boolean): Promise<void>;
  onClose(): void;
}

/** A modal <dialog>: the browser traps focus and closes it on Escape. Deleting files is opt-in. */
export function ConfirmDeleteDialog({ project, onDelete, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [deleteFiles, setDeleteFiles] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);

  const confirm = async () => {
    setBusy(true);
    try {
      await onDelete(deleteFiles);
      onClose();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="dialog" data-testid="delete-dialog" aria-labelledby="delete-title" onClose={onClose}>
      <h2 id="delete-title">Delete “{project.name}”?</h2>
      <p>It is removed from your recent projects. The folder stays on disk unless you tick the box.</p>
      <label className="checkbox">
        <input
          type="checkbox"
          data-testid="delete-files"
          checked={deleteFiles}
          disabled={!project.available}
          onChange={(e) => setDeleteFiles(e.target.checked)}
        />
        <span>
          Also delete the folder and everything in it (images, captions, checkpoints)
          <code className="path">{project.dir}</code>
        </span>
      </label>
      <ErrorMessage message={error} testId="delete-error" />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose} disabled={busy} autoFocus>
          Cancel
        </button>
        <button type="button" className="button danger" data-testid="delete-confirm" onClick={() => void confirm()} disabled={busy}>
          {deleteFiles ? 'Delete project and folder' : 'Remove from list'}
        </button>
      </div>
    </dialog>
  );
}
