import { useRef, useState, type KeyboardEvent } from 'react';
import { errorMessage } from '../client';
import { ErrorMessage } from './ErrorMessage';

interface Props {
  name: string;
  /** Rejects with the API error, which is shown under the field; the field stays open to fix it. */
  onRename(name: string): Promise<void>;
  onClose(): void;
  label: string;
}

/** The name becomes a field: Enter or leaving the field saves, Escape cancels. */
export function InlineRename({ name, onRename, onClose, label }: Props) {
  const [draft, setDraft] = useState(name);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  // Set once Escape or a save has settled, so the blur that follows does not save a second time.
  const finished = useRef(false);

  const close = () => {
    finished.current = true;
    onClose();
  };

  const save = async () => {
    if (saving || finished.current) return;
    if (draft.trim() === name) return close();
    setSaving(true);
    try {
      await onRename(draft);
      close();
    } catch (err) {
      setError(errorMessage(err));
      setSaving(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void save();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  };

  return (
    <span className="inline-rename">
      <input
        className="input inline-rename-input"
        aria-label={label}
        data-testid="rename-input"
        value={draft}
        autoFocus
        disabled={saving}
        onFocus={(e) => e.currentTarget.select()}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => void save()}
      />
      <ErrorMessage message={error} testId="rename-error" />
    </span>
  );
}
