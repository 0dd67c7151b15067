import { isInRange, MAX_SAMPLE_PROMPTS, MAX_SAMPLE_SEEDS, trainingOverridesSchema, type SettingRange } from '@lora-studio/api';
import type { TrainingField } from './training-fields';

/** What a field's text means: the value to send, or why it cannot be sent. */
export type ParsedField = { ok: true; value: unknown } | { ok: false; message: string };

/** The text a field shows for a value of the settings. */
export function fieldText(field: TrainingField, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (field.kind === 'lines' && Array.isArray(value)) return value.join('\n');
  if (field.kind === 'seeds' && Array.isArray(value)) return value.join(', ');
  return String(value);
}

export function parseField(field: TrainingField, text: string): ParsedField {
  switch (field.kind) {
    case 'integer': {
      const value = Number(text.trim());
      if (!/^-?\d+$/.test(text.trim())) return { ok: false, message: 'Enter a whole number.' };
      if (!isInRange(field.range, value)) return { ok: false, message: rangeText(field.range) };
      return schemaChecked(field, value);
    }
    case 'number': {
      const value = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(value)) return { ok: false, message: 'Enter a number, such as 0.0001 or 1e-4.' };
      if (!isInRange(field.range, value)) return { ok: false, message: rangeText(field.range) };
      return schemaChecked(field, value);
    }
    case 'lines': {
      const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
      if (lines.length > MAX_SAMPLE_PROMPTS) return { ok: false, message: `At most ${MAX_SAMPLE_PROMPTS} prompts.` };
      return { ok: true, value: lines };
    }
    case 'seeds': {
      const parts = text.split(/[\s,]+/).filter((p) => p !== '');
      if (parts.length === 0 || parts.length > MAX_SAMPLE_SEEDS || parts.some((p) => !/^\d+$/.test(p))) {
        return { ok: false, message: `One to ${MAX_SAMPLE_SEEDS} whole numbers, separated by commas.` };
      }
      return { ok: true, value: parts.map(Number) };
    }
    default:
      return { ok: true, value: text };
  }
}

/**
 * The settings schema's own check of a value within its range (LoKr's factor refuses 0), so the form refuses exactly
 * what the API refuses, in the schema's words.
 */
function schemaChecked(field: TrainingField, value: number): ParsedField {
  const checked = trainingOverridesSchema.shape[field.key].safeParse(value);
  return checked.success ? { ok: true, value } : { ok: false, message: checked.error.issues[0]?.message ?? rangeText((field as { range: SettingRange }).range) };
}

/** The allowed range in the form's few words ("From 1 to 256.", "Above 0, at most 0.01."). */
function rangeText(range: SettingRange): string {
  return range.aboveMin ? `Above ${range.min}, at most ${range.max}.` : `From ${range.min} to ${range.max}.`;
}
