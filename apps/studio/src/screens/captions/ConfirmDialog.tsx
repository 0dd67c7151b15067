import { useEffect, useRef, type ReactNode } from 'react';

interface Props {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  testId: string;
  onConfirm(): void;
  onClose(): void;
}

/** A modal question before something large happens; Escape or Cancel says no. */
export function ConfirmDialog({ title, children, confirmLabel, danger, testId, onConfirm, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} className="dialog" data-testid={testId} aria-labelledby={`${testId}-title`} onClose={onClose}>
      <h2 id={`${testId}-title`}>{title}</h2>
      {children}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className={`button ${danger ? 'danger' : 'primary'}`}
          data-testid={`${testId}-confirm`}
          onClick={() => {
            onConfirm();
            onClose();
          }}
        >
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
