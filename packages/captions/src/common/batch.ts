import { captionStyle, splitTags } from './style';
import { insertTrigger } from './trigger';
import type { BatchPlan, CaptionChange, CaptionText, LoraType, TextSpan } from './types';
import { compileFind, expandReplacement } from './find-pattern';
import { phrasePattern, words } from './words';

/** The batch edits of the caption studio. Each is planned in full (a preview of every change) before it is applied. */
export type BatchOperation =
  | { kind: 'replace'; find: string; replace: string; regex: boolean; caseSensitive: boolean; wholeWord: boolean }
  | { kind: 'affix'; prefix: string; suffix: string; separator: string }
  | { kind: 'remove-phrase'; phrase: string }
  | { kind: 'insert-trigger' };

export interface BatchContext {
  trigger: string;
  type: LoraType;
}

export type BatchPlanResult = { ok: true; plan: BatchPlan } | { ok: false; error: string };

/** Plans an operation over the given captions. Captions it would not change are not in the plan. */
export function planBatch(op: BatchOperation, captions: CaptionText[], ctx: BatchContext): BatchPlanResult {
  switch (op.kind) {
    case 'replace':
      return planReplace(op, captions);
    case 'affix':
      return planAffix(op, captions);
    case 'remove-phrase':
      return planRemovePhrase(op.phrase, captions);
    case 'insert-trigger':
      return planInsertTrigger(captions, ctx);
  }
}

function collect(captions: CaptionText[], edit: (text: string) => { after: string; spans: TextSpan[]; edits: number }) {
  const changes: CaptionChange[] = [];
  let edits = 0;
  for (const c of captions) {
    const r = edit(c.text);
    if (r.after === c.text) continue;
    changes.push({ imageId: c.imageId, before: c.text, after: r.after, spans: r.spans });
    edits += r.edits;
  }
  return { changes, edits };
}

function planReplace(op: Extract<BatchOperation, { kind: 'replace' }>, captions: CaptionText[]): BatchPlanResult {
  if (op.find === '') return { ok: false, error: 'Type the text to find.' };
  const compiled = compileFind(op.find, op);
  if (!compiled.ok) return compiled;
  const { find } = compiled;
  if (find.matchesEmptyText()) {
    return { ok: false, error: 'The pattern also matches empty text, so it would insert everywhere; use prefix/suffix to add text.' };
  }
  const { changes, edits } = collect(captions, (text) => {
    const matches = find.matchAll(text);
    let after = '';
    let last = 0;
    for (const m of matches) {
      // Plain mode inserts the replacement literally; regex mode expands $1, $<name>, $&.
      after += text.slice(last, m.start) + (op.regex ? expandReplacement(op.replace, m, text) : op.replace);
      last = m.end;
    }
    after += text.slice(last);
    return { after, spans: matches.map(({ start, end }) => ({ start, end })), edits: matches.length };
  });
  const label = `Find and replace "${op.find}" → "${op.replace}"`;
  return { ok: true, plan: { label, changes, edits } };
}

function planAffix(op: Extract<BatchOperation, { kind: 'affix' }>, captions: CaptionText[]): BatchPlanResult {
  const prefix = op.prefix.trim();
  const suffix = op.suffix.trim();
  if (prefix === '' && suffix === '') return { ok: false, error: 'Type a prefix or a suffix to add.' };
  const { changes, edits } = collect(captions, (text) => {
    let after = text.trim();
    let edits = 0;
    const spans: TextSpan[] = [];
    // Adding the same prefix twice is never what the user means: a re-run leaves captions that have it alone.
    if (prefix && !after.toLowerCase().startsWith(prefix.toLowerCase())) {
      after = after === '' ? prefix : `${prefix}${op.separator}${after}`;
      spans.push({ start: 0, end: 0 });
      edits++;
    }
    if (suffix && !after.toLowerCase().endsWith(suffix.toLowerCase())) {
      after = after === '' ? suffix : `${after}${op.separator}${suffix}`;
      spans.push({ start: text.length, end: text.length });
      edits++;
    }
    return { after: edits > 0 ? after : text, spans, edits };
  });
  const label = [prefix && `Add prefix "${prefix}"`, suffix && `Add suffix "${suffix}"`].filter(Boolean).join(' and ');
  return { ok: true, plan: { label, changes, edits } };
}

/** Removes a phrase (usually a leak) everywhere: the whole tag in tag captions, the words in sentences. */
function planRemovePhrase(phrase: string, captions: CaptionText[]): BatchPlanResult {
  const target = words(phrase.toLowerCase()).join(' ');
  if (target === '') return { ok: false, error: 'Name the phrase to remove.' };
  const pattern = phrasePattern(phrase);
  const { changes, edits } = collect(captions, (text) => {
    const spans = [...text.matchAll(pattern)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
    if (spans.length === 0) return { after: text, spans, edits: 0 };
    if (captionStyle(text) === 'tags') {
      const kept = splitTags(text).filter((t) => words(t.toLowerCase()).join(' ') !== target);
      if (kept.length < splitTags(text).length) return { after: kept.join(', '), spans, edits: spans.length };
    }
    return { after: tidy(text.replace(pattern, '')), spans, edits: spans.length };
  });
  return { ok: true, plan: { label: `Remove "${phrase.trim()}"`, changes, edits } };
}

/** Cleans what a removal leaves behind: doubled spaces and commas, a comma before a full stop, stray edges. */
function tidy(text: string): string {
  return text
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/\s+([,.;:!?])/g, '$1')
    .replace(/,(\s*,)+/g, ',')
    .replace(/,(\s*[.;!?])/g, '$1')
    .replace(/^[\s,;]+|[\s,;]+$/g, '');
}

function planInsertTrigger(captions: CaptionText[], ctx: BatchContext): BatchPlanResult {
  const { changes, edits } = collect(captions, (text) => {
    const r = insertTrigger(text, ctx.trigger, ctx.type);
    return { after: r.text, spans: r.span ? [{ start: 0, end: 0 }] : [], edits: r.span ? 1 : 0 };
  });
  return { ok: true, plan: { label: `Insert trigger "${ctx.trigger}"`, changes, edits } };
}
