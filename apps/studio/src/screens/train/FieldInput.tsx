import type { TrainingField } from './training-fields';

interface FieldInputProps {
  field: TrainingField;
  /** The text shown (the user's draft, or the proposed setting). */
  text: string;
  checked: boolean;
  /** Set when the user changed this field away from the proposal. */
  edited: boolean;
  error: string | undefined;
  reasoning: string | undefined;
  disabled: boolean;
  onText(text: string): void;
  onChecked(checked: boolean): void;
}

/** One setting of the Train form with its hint, and the preflight's reason for the proposed value (kept after an edit, to compare). */
export function FieldInput({ field, text, checked, edited, error, reasoning, disabled, onText, onChecked }: FieldInputProps) {
  const id = `train-field-${field.key}`;
  const control =
    field.kind === 'choice' ? (
      <select id={id} className="input" value={text} disabled={disabled} onChange={(e) => onText(e.target.value)} data-testid={id}>
        {field.choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    ) : field.kind === 'switch' ? (
      <input id={id} type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChecked(e.target.checked)} data-testid={id} />
    ) : field.kind === 'lines' ? (
      <textarea id={id} className="input" rows={3} value={text} disabled={disabled} onChange={(e) => onText(e.target.value)} data-testid={id} />
    ) : (
      <input
        id={id}
        className="input mono"
        inputMode={field.kind === 'integer' ? 'numeric' : 'decimal'}
        value={text}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        onChange={(e) => onText(e.target.value)}
        data-testid={id}
      />
    );
  return (
    <div className={`train-field${field.kind === 'lines' ? ' wide' : ''}${edited ? ' edited' : ''}`}>
      <label className="field-label" htmlFor={id}>
        {field.label}
        {edited && <span className="train-field-edited"> · changed</span>}
      </label>
      {control}
      {error ? <p className="train-field-error">{error}</p> : <p className="hint">{field.hint}</p>}
      {reasoning && (
        <p className="train-field-reasoning" data-testid={`train-reasoning-${field.key}`}>
          {edited ? `Proposed: ${reasoning}` : reasoning}
        </p>
      )}
    </div>
  );
}
