import { useEffect } from 'react';
import { MAX_REFERENCE_IMAGES, type DatasetImage } from '@lora-studio/api';
import { mediaUrl } from '../client';
import { useStudio } from '../store';
import { REFERENCE_SLOT_NAMES } from './reference-slot-names';
import './reference-picker.css';

/** One empty list, so the store's selector returns the same value while nothing is loaded (no re-render loop). */
const NONE: DatasetImage[] = [];

/**
 * Edit LoRAs: up to three images of the project the model reads while it draws (the "before" picture first), as the
 * LoRA was trained with them (Generate and the Compare grid).
 */
export function ReferencePicker({ dir, value, onChange, testId }: { dir: string; value: string[]; onChange(next: string[]): void; testId: string }) {
  const choices = useStudio((s) => (s.referenceChoicesDir === dir ? s.referenceChoices : NONE));
  const loadChoices = useStudio((s) => s.loadReferenceChoices);
  useEffect(() => {
    void loadChoices(dir);
  }, [dir, loadChoices]);
  if (choices.length === 0) return null;
  const set = (slot: number, id: string) => {
    const next = Array.from({ length: MAX_REFERENCE_IMAGES }, (_, i) => value[i] ?? '');
    next[slot] = id;
    onChange(next);
  };
  return (
    <fieldset className="reference-picker" data-testid={`${testId}-references`}>
      <legend className="field-label">
        Reference images <span className="optional">for an edit LoRA</span>
      </legend>
      <div className="reference-picker-slots">
        {Array.from({ length: MAX_REFERENCE_IMAGES }, (_, slot) => {
          const chosen = choices.find((c) => String(c.id) === value[slot]);
          return (
            <label key={slot} className="field">
              <span className="hint">{REFERENCE_SLOT_NAMES[slot]}</span>
              <select className="input" value={value[slot] ?? ''} onChange={(e) => set(slot, e.target.value)} data-testid={`${testId}-reference`} data-slot={slot}>
                <option value="">None</option>
                {choices.map((c) => (
                  <option key={c.id} value={String(c.id)}>
                    {c.sourceName}
                  </option>
                ))}
              </select>
              {chosen && <img className="reference-picker-thumb" src={mediaUrl(dir, chosen.thumbSmall)} alt={`${REFERENCE_SLOT_NAMES[slot]} reference: ${chosen.sourceName}`} />}
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
