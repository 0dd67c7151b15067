import { KNOWN_TRIGGER_WORDS } from './common-words';
import { findLeaks, type PhraseContext, type TagCount } from './frequency';
import { findTrigger, isCommonWord, triggerPhrase, triggerWordIndex } from './trigger';
import type { CaptionText, LoraType, TextSpan } from './types';
import { cachedRegExp, escapeRegExp, estimateTokens, normalizeCaption, phrasePattern, STOPWORDS, words, wordsAt } from './words';

export const lintRules = [
  'empty',
  'too-short',
  'too-long',
  'trigger-missing',
  'trigger-late',
  'other-trigger',
  'common-trigger',
  'leak',
  'duplicate',
] as const;
export type LintRule = (typeof lintRules)[number];

export interface CaptionIssue {
  rule: LintRule;
  severity: 'error' | 'warning';
  /** What is wrong and what to do, in one sentence for the user. */
  message: string;
  /** The image this is about; null for a finding about the whole project (e.g. the trigger word itself). */
  imageId: number | null;
  /** Where in the caption, for underlining while typing. */
  spans: TextSpan[];
}

export interface LintOptions {
  /** The trigger must be among the first this many words (default 6: "in the style of myart" is word 5). */
  earlyWords: number;
  minWords: number;
  /** The text encoder's limit, in tokens (estimated). */
  maxTokens: number;
  leakMinShare: number;
  leakMinCaptions: number;
  /** Earlier trigger words of this project, or triggers of other LoRAs; any of them in a caption is a second trigger. */
  otherTriggers: string[];
}

export const defaultLintOptions: LintOptions = {
  earlyWords: 6,
  minWords: 3,
  maxTokens: 512,
  leakMinShare: 0.6,
  leakMinCaptions: 3,
  otherTriggers: [],
};

export interface LintSettings extends PhraseContext {
  options?: Partial<LintOptions>;
}

/** What a single caption is checked against that depends on the rest of the dataset. */
export interface DatasetFacts {
  leaks: TagCount[];
  /** normalized caption → image ids that have it */
  byText: Map<string, number[]>;
}

export interface LintReport {
  /** Per-caption issues, in image order, then project-wide ones. */
  issues: CaptionIssue[];
  leaks: TagCount[];
  counts: Record<LintRule, number>;
  /** Images with at least one issue: the "flagged" state in the filmstrip. */
  flaggedImageIds: number[];
}

export function datasetFacts(captions: CaptionText[], settings: LintSettings): DatasetFacts {
  const o = { ...defaultLintOptions, ...settings.options };
  const byText = new Map<string, number[]>();
  for (const c of captions) {
    const key = normalizeCaption(c.text);
    if (key === '') continue;
    byText.set(key, [...(byText.get(key) ?? []), c.imageId]);
  }
  return { leaks: findLeaks(captions, settings, { minShare: o.leakMinShare, minCaptions: o.leakMinCaptions }), byText };
}

/**
 * Checks one caption; cheap enough to run on every keystroke. Pass the dataset facts (computed once per list load)
 * to also get leak and duplicate findings.
 */
export function lintCaption(caption: CaptionText, settings: LintSettings, facts?: DatasetFacts): CaptionIssue[] {
  const o = { ...defaultLintOptions, ...settings.options };
  const { text, imageId } = caption;
  const issue = (rule: LintRule, severity: CaptionIssue['severity'], message: string, spans: TextSpan[] = []): CaptionIssue => ({
    rule,
    severity,
    message,
    imageId,
    spans,
  });
  const ws = wordsAt(text);
  if (ws.length === 0) {
    return [issue('empty', 'error', 'This image has no caption. Write one, or run an auto-captioner and review it.')];
  }
  const out: CaptionIssue[] = [];
  const phrase = triggerPhrase(settings.type, settings.trigger);
  const at = triggerWordIndex(text, settings.trigger);
  if (at < 0) {
    out.push(issue('trigger-missing', 'error', `The trigger word "${settings.trigger}" is missing. Insert it early, e.g. "${phrase}".`));
  } else if (at >= o.earlyWords) {
    out.push(
      issue(
        'trigger-late',
        'warning',
        `"${settings.trigger}" is word ${at + 1}; put it within the first ${o.earlyWords} words, e.g. start with "${phrase}".`,
        findTrigger(text, settings.trigger).slice(0, 1),
      ),
    );
  }
  const others = otherTriggerSpans(text, settings.trigger, settings.type, o.otherTriggers);
  if (others.length > 0) {
    const found = [...new Set(others.map((s) => text.slice(s.start, s.end)))];
    out.push(
      issue(
        'other-trigger',
        'warning',
        `This caption also uses ${found.map((f) => `"${f}"`).join(', ')} as a trigger; keep only "${settings.trigger}", or the concept is split between them.`,
        others,
      ),
    );
  }
  if (ws.length < o.minWords) {
    out.push(
      issue('too-short', 'warning', `Only ${ws.length} word${ws.length === 1 ? '' : 's'}: describe the scene, pose, lighting and background too.`),
    );
  }
  const tokens = estimateTokens(text);
  if (tokens > o.maxTokens) {
    out.push(
      issue('too-long', 'warning', `About ${tokens} tokens; the text encoder reads ${o.maxTokens}, so the end is cut off. Shorten it.`),
    );
  }
  if (facts) {
    for (const leak of facts.leaks) {
      const spans = [...text.matchAll(phrasePattern(leak.tag))].map((m) => ({ start: m.index, end: m.index + m[0].length }));
      if (spans.length === 0) continue;
      out.push(
        issue(
          'leak',
          'warning',
          `"${leak.tag}" is in ${leak.count} captions (${Math.round(leak.share * 100)}%): if it describes the concept itself, remove it so "${settings.trigger}" carries it.`,
          spans,
        ),
      );
    }
    const same = (facts.byText.get(normalizeCaption(text)) ?? []).filter((id) => id !== imageId);
    if (same.length > 0) {
      out.push(
        issue(
          'duplicate',
          'warning',
          `${same.length} other image${same.length === 1 ? ' has' : 's have'} exactly this caption; describe what differs in each image.`,
        ),
      );
    }
  }
  return out;
}

/** Known tutorial triggers, the project's earlier triggers, and whatever word fills the trigger slot of the type's phrase. */
function otherTriggerSpans(text: string, trigger: string, type: LoraType, extra: string[]): TextSpan[] {
  const mine = trigger.toLowerCase();
  const known = new Set([...KNOWN_TRIGGER_WORDS, ...extra.map((t) => t.toLowerCase())]);
  known.delete(mine);
  const spans = wordsAt(text)
    .filter((w) => known.has(w.word.toLowerCase()))
    .map(({ start, end }) => ({ start, end }));
  const [before, after] = triggerPhrase(type, '\u0000').split('\u0000') as [string, string];
  const slot = cachedRegExp(
    `(?<![\\p{L}\\p{N}_])${words(before).map(escapeRegExp).join('\\s+')}\\s+([\\p{L}\\p{N}_-]+)${after.trim() ? `\\s+${escapeRegExp(after.trim())}` : ''}(?![\\p{L}\\p{N}_])`,
    'dgiu',
  );
  for (const m of text.matchAll(slot)) {
    const word = m[1]!.toLowerCase();
    if (word === mine || known.has(word)) continue;
    // "in the style of a painting", "a red product": a description, not a trigger.
    if (STOPWORDS.has(word) || isCommonWord(word)) continue;
    const [start, end] = m.indices![1]!;
    spans.push({ start, end });
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** The whole-project report: every caption's issues, the leak table, and findings about the trigger itself. */
export function lintCaptions(captions: CaptionText[], settings: LintSettings): LintReport {
  const facts = datasetFacts(captions, settings);
  const issues = captions.flatMap((c) => lintCaption(c, settings, facts));
  if (isCommonWord(settings.trigger)) {
    issues.push({
      rule: 'common-trigger',
      severity: 'warning',
      message: `"${settings.trigger}" is an everyday word the base model already knows; pick a rare made-up word such as "sks" or "${settings.trigger.slice(0, 2)}zq" in the project settings.`,
      imageId: null,
      spans: [],
    });
  }
  const counts = Object.fromEntries(lintRules.map((r) => [r, 0])) as Record<LintRule, number>;
  for (const i of issues) counts[i.rule]++;
  const flagged = new Set(issues.flatMap((i) => (i.imageId === null ? [] : [i.imageId])));
  return { issues, leaks: facts.leaks, counts, flaggedImageIds: captions.map((c) => c.imageId).filter((id) => flagged.has(id)) };
}
