/** What a stretch of caption text is marked as: the trigger word, or a lint finding of that severity. */
export type MarkKind = 'trigger' | 'error' | 'warning';

export interface TextMark {
  start: number;
  end: number;
  kind: MarkKind;
}

export interface TextSegment {
  text: string;
  /** Empty for plain text; several where marks overlap (a leak phrase containing the trigger). */
  kinds: MarkKind[];
}

/**
 * Cuts the text at every mark boundary so each piece can be drawn with all marks that cover it. Pieces join back
 * to exactly the text, which keeps the highlight layer aligned with the textarea above it.
 */
export function highlightSegments(text: string, marks: TextMark[]): TextSegment[] {
  const inside = marks
    .map((m) => ({ ...m, start: Math.max(0, m.start), end: Math.min(text.length, m.end) }))
    .filter((m) => m.end > m.start);
  const cuts = [...new Set([0, text.length, ...inside.flatMap((m) => [m.start, m.end])])].sort((a, b) => a - b);
  const out: TextSegment[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [from, to] = [cuts[i]!, cuts[i + 1]!];
    const kinds = [...new Set(inside.filter((m) => m.start <= from && m.end >= to).map((m) => m.kind))];
    const last = out[out.length - 1];
    if (last && sameKinds(last.kinds, kinds)) last.text += text.slice(from, to);
    else out.push({ text: text.slice(from, to), kinds });
  }
  return out;
}

function sameKinds(a: MarkKind[], b: MarkKind[]): boolean {
  return a.length === b.length && a.every((k) => b.includes(k));
}
