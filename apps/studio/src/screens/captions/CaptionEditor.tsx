import type { CaptionItem } from '@lora-studio/api';
import { defaultLintOptions, estimateTokens, findTrigger, insertTrigger, lintCaption } from '@lora-studio/captions';
import { useMemo, useRef } from 'react';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useStudio } from '../../store';
import type { CaptionDraft } from '../../store/captions-slice';
import { HighlightedText } from './HighlightedText';
import type { TextMark } from './highlight';
import { CAPTION_INPUT_ID } from './use-caption-keys';
import { useDatasetFacts, useLintSettings } from './use-caption-context';

const draftSources = new Set(['template', 'onnx', 'vlm']);
const sourceName: Record<string, string> = { template: 'the template', onnx: 'the ONNX tagger', vlm: 'the vision model' };

const saveText: Record<CaptionDraft['status'], string> = {
  saved: 'Saved',
  pending: 'Editing…',
  saving: 'Saving…',
  failed: 'Not saved',
};

/** The caption of the selected image: trigger highlighted, lint live while typing, saved as you go. */
export function CaptionEditor({ item, draft, onReviewAndNext }: { item: CaptionItem; draft: CaptionDraft; onReviewAndNext(): void }) {
  const editCaption = useStudio((s) => s.editCaption);
  const beginEdit = useStudio((s) => s.beginCaptionEdit);
  const flush = useStudio((s) => s.flushCaption);
  const discard = useStudio((s) => s.discardCaptionEdit);
  const setReviewed = useStudio((s) => s.setReviewed);
  const phrase = useStudio((s) => s.captions?.triggerPhrase ?? '');
  const settings = useLintSettings();
  const facts = useDatasetFacts();
  const backdrop = useRef<HTMLDivElement>(null);

  const text = draft.text;
  const issues = useMemo(
    () => (settings ? lintCaption({ imageId: item.imageId, text }, settings, facts ?? undefined) : []),
    [settings, facts, item.imageId, text],
  );
  const marks = useMemo<TextMark[]>(
    () => [
      ...(settings ? findTrigger(text, settings.trigger).map((s) => ({ ...s, kind: 'trigger' as const })) : []),
      ...issues.flatMap((i) => i.spans.map((s) => ({ ...s, kind: i.severity }))),
    ],
    [settings, text, issues],
  );
  const tokens = estimateTokens(text);
  const maxTokens = settings?.options?.maxTokens ?? defaultLintOptions.maxTokens;
  const hasTrigger = settings ? findTrigger(text, settings.trigger).length > 0 : true;

  const insert = () => {
    if (!settings) return;
    editCaption(insertTrigger(text, settings.trigger, settings.type).text);
  };

  return (
    <div className="caption-editor">
      <div className="caption-editor-head">
        <label className="field-label" htmlFor={CAPTION_INPUT_ID}>
          Caption
        </label>
        {item.source && draftSources.has(item.source) && !item.reviewed && (
          <span className="tag warning" data-testid="caption-draft-source">
            Draft from {sourceName[item.source]}: review it
          </span>
        )}
        <span className={`save-state ${draft.status}`} data-testid="caption-save-state" data-status={draft.status}>
          {saveText[draft.status]}
        </span>
      </div>
      <div className="caption-field">
        <div className="caption-backdrop" ref={backdrop} aria-hidden="true">
          <HighlightedText text={text} marks={marks} />
          {/* A trailing newline in a textarea takes a line; the layer below needs one too to stay aligned. */}
          {text.endsWith('\n') ? ' ' : null}
        </div>
        <textarea
          id={CAPTION_INPUT_ID}
          className="caption-input"
          data-testid="caption-input"
          value={text}
          spellCheck
          placeholder={`Describe everything except the concept, e.g. "${phrase}, smiling in a park, warm light"`}
          onFocus={beginEdit}
          onBlur={() => void flush().catch(() => undefined)}
          onChange={(e) => editCaption(e.target.value)}
          onScroll={(e) => {
            if (backdrop.current) backdrop.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
      </div>
      <div className="caption-actions">
        <button
          type="button"
          className="button"
          data-testid="insert-trigger"
          disabled={hasTrigger}
          title={hasTrigger ? 'The caption already names the trigger word.' : `Starts the caption with "${phrase}", as the guide recommends`}
          onClick={insert}
        >
          Insert “{phrase}”
        </button>
        <span className={`token-count${tokens > maxTokens ? ' over' : ''}`} data-testid="caption-tokens" title="Estimated tokens; the text encoder reads up to the limit.">
          {tokens} / {maxTokens} tokens
        </span>
        <span className="spacer" />
        <button
          type="button"
          className={`button${item.reviewed ? '' : ' primary'}`}
          data-testid="caption-reviewed"
          aria-pressed={item.reviewed}
          title={item.reviewed ? 'Mark as not reviewed' : 'Mark reviewed and go to the next image (Ctrl+Enter)'}
          onClick={() => (item.reviewed ? void setReviewed(item.imageId, false) : onReviewAndNext())}
        >
          {item.reviewed ? '✓ Reviewed' : 'Mark reviewed'}
        </button>
      </div>
      {draft.error && (
        <div className="caption-save-error">
          <ErrorMessage message={draft.error} testId="caption-save-error" />
          <button type="button" className="button quiet" onClick={() => void flush().catch(() => undefined)}>
            Try again
          </button>
          <button type="button" className="button quiet" onClick={discard}>
            Discard my change
          </button>
        </div>
      )}
      <ul className="lint-list" data-testid="caption-lint" aria-live="polite">
        {issues.map((issue, i) => (
          <li key={i} className={`lint-item ${issue.severity}`} data-rule={issue.rule}>
            {issue.message}
          </li>
        ))}
        {issues.length === 0 && text.trim() !== '' && <li className="lint-item ok">No problems found.</li>}
      </ul>
      <p className="hint keys-hint">
        <kbd>Ctrl</kbd>+<kbd>↑</kbd>/<kbd>↓</kbd> previous/next · <kbd>Ctrl</kbd>+<kbd>J</kbd> next unreviewed · <kbd>Ctrl</kbd>+
        <kbd>Enter</kbd> reviewed, next · <kbd>Ctrl</kbd>+<kbd>Z</kbd>/<kbd>Y</kbd> undo/redo
      </p>
    </div>
  );
}
