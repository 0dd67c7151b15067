import { lintRules, type LintRule } from '@lora-studio/captions';
import { useState } from 'react';
import { errorMessage } from '../../client';
import { useStudio } from '../../store';
import { LintSettingsForm } from './LintSettingsForm';

const ruleLabel: Record<LintRule, string> = {
  empty: 'Empty',
  'too-short': 'Too short',
  'too-long': 'Too long',
  'trigger-missing': 'Trigger missing',
  'trigger-late': 'Trigger late',
  'other-trigger': 'Second trigger',
  'common-trigger': 'Common trigger word',
  leak: 'Leaks',
  duplicate: 'Identical captions',
};

/**
 * The project's caption report: what the lint found per rule, phrases that leak the concept (with a one-click removal
 * across every caption, undoable), and each flagged image with its findings.
 */
export function LintReportPanel({ onShowImage, onNotice }: { onShowImage(): void; onNotice(n: { text: string; error: boolean }): void }) {
  const overview = useStudio((s) => s.captions);
  const settings = useStudio((s) => s.captionSettings);
  const select = useStudio((s) => s.selectCaption);
  const setFilter = useStudio((s) => s.setCaptionFilter);
  const apply = useStudio((s) => s.applyCaptionBatch);
  const [busy, setBusy] = useState<string | null>(null);
  if (!overview) return null;

  const included = overview.items.filter((i) => !i.excluded);
  const flagged = included.filter((i) => i.issues.length > 0);
  const counts = new Map<LintRule, number[]>();
  for (const item of flagged) for (const issue of item.issues) counts.set(issue.rule, [...new Set([...(counts.get(issue.rule) ?? []), item.imageId])]);

  const removeLeak = async (phrase: string) => {
    setBusy(phrase);
    try {
      const r = await apply({ kind: 'remove-phrase', phrase });
      onNotice({ text: `${r.label}: ${r.changed} caption${r.changed === 1 ? '' : 's'} changed. Ctrl+Z undoes it.`, error: false });
    } catch (err) {
      onNotice({ text: errorMessage(err), error: true });
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="lint-report" data-testid="lint-report">
      {overview.projectIssues.map((issue, i) => (
        <p key={i} className={`lint-item ${issue.severity}`} data-rule={issue.rule}>
          {issue.message}
        </p>
      ))}
      <div className="rule-counts">
        {lintRules
          .filter((r) => counts.has(r))
          .map((rule) => (
            <button
              key={rule}
              type="button"
              className="tag warning rule-count"
              data-testid={`lint-count-${rule}`}
              title="Show only these images"
              onClick={() => setFilter({ label: ruleLabel[rule].toLowerCase(), imageIds: counts.get(rule)! })}
            >
              {ruleLabel[rule]}: {counts.get(rule)!.length}
            </button>
          ))}
        {flagged.length === 0 && <span className="hint">No caption has a problem the lint knows about.</span>}
      </div>

      <h3 className="panel-subtitle">Leaks</h3>
      <p className="hint">
        Phrases in most captions probably describe the concept itself; the trigger word “{overview.trigger}” should carry it alone.
      </p>
      <ul className="leak-list" data-testid="leak-list">
        {overview.leaks.map((leak) => (
          <li key={leak.tag} className="leak-row" data-testid="leak-row">
            <span className="leak-phrase">“{leak.tag}”</span>
            <span className="hint">
              {leak.count} captions ({Math.round(leak.share * 100)}%)
            </span>
            <button type="button" className="button" data-testid="leak-remove" disabled={busy !== null} onClick={() => void removeLeak(leak.tag)}>
              {busy === leak.tag ? 'Removing…' : `Remove from ${leak.count}`}
            </button>
          </li>
        ))}
        {overview.leaks.length === 0 && <li className="hint">No phrase repeats across most captions.</li>}
      </ul>

      <h3 className="panel-subtitle">Flagged images ({flagged.length})</h3>
      <ul className="flagged-list">
        {flagged.map((item) => (
          <li key={item.imageId}>
            <button
              type="button"
              className="flagged-row"
              data-testid="flagged-row"
              onClick={() => {
                void select(item.imageId);
                onShowImage();
              }}
            >
              <span className="filmstrip-name">{item.sourceName}</span>
              {item.issues.map((issue, i) => (
                <span key={i} className={`lint-item ${issue.severity}`}>
                  {issue.message}
                </span>
              ))}
            </button>
          </li>
        ))}
      </ul>
      {settings && <LintSettingsForm lint={settings.lint} />}
    </div>
  );
}
