import type { BatchPlan } from '@lora-studio/captions';
import { useStudio } from '../../store';
import { HighlightedText } from './HighlightedText';

/** Every change a batch edit would make, before anything is written: the old text with what it touches, the new one. */
export function BatchPreview({ plan }: { plan: BatchPlan }) {
  const items = useStudio((s) => s.captions?.items);
  const names = new Map((items ?? []).map((i) => [i.imageId, i.sourceName]));
  if (plan.changes.length === 0) return <p className="hint" data-testid="batch-preview-empty">No caption would change.</p>;
  return (
    <ol className="batch-preview" data-testid="batch-preview">
      {plan.changes.map((c) => (
        <li key={c.imageId} className="batch-change" data-testid="batch-change" data-image-id={c.imageId}>
          <span className="batch-change-name">{names.get(c.imageId) ?? `Image ${c.imageId}`}</span>
          <span className="batch-before">
            <HighlightedText text={c.before ?? ''} marks={c.spans.map((s) => ({ ...s, kind: 'warning' as const }))} />
          </span>
          <span className="batch-after" data-testid="batch-change-after">
            {c.after}
          </span>
        </li>
      ))}
    </ol>
  );
}
