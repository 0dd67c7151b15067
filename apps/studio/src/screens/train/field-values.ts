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
      if (!/^\d+$/.test(text.trim())) return { ok: false, message: 'Enter a whole number.' };
      if (field.min !== undefined && value < field.min) return { ok: false, message: `At least ${field.min}.` };
      return { ok: true, value };
    }
    case 'number': {
      const value = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(value)) return { ok: false, message: 'Enter a number, such as 0.0001 or 1e-4.' };
      if (field.min !== undefined && value < field.min) return { ok: false, message: `At least ${field.min}.` };
      return { ok: true, value };
    }
    case 'lines': {
      const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
      if (lines.length > 16) return { ok: false, message: 'At most 16 prompts.' };
      return { ok: true, value: lines };
    }
    case 'seeds': {
      const parts = text.split(/[\s,]+/).filter((p) => p !== '');
      if (parts.length === 0 || parts.length > 16 || parts.some((p) => !/^\d+$/.test(p))) {
        return { ok: false, message: 'One to 16 whole numbers, separated by commas.' };
      }
      return { ok: true, value: parts.map(Number) };
    }
    default:
      return { ok: true, value: text };
  }
}
