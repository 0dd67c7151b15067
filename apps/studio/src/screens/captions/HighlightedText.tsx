import { highlightSegments, type TextMark } from './highlight';

/** Text with its trigger word and lint findings marked; also the layer drawn behind the caption field. */
export function HighlightedText({ text, marks }: { text: string; marks: TextMark[] }) {
  return (
    <>
      {highlightSegments(text, marks).map((seg, i) =>
        seg.kinds.length === 0 ? (
          <span key={i}>{seg.text}</span>
        ) : (
          <mark key={i} className={seg.kinds.map((k) => `mark-${k}`).join(' ')}>
            {seg.text}
          </mark>
        ),
      )}
    </>
  );
}
