// Caption logic that runs anywhere (renderer while typing, host services): no Node, no DOM.
export type { LoraType, CaptionText, CaptionChange, TextSpan, BatchPlan } from './types';
export { words, wordsAt, normalizeCaption, estimateTokens, phrasePattern } from './words';
export { captionStyle, datasetStyle, splitTags, type CaptionStyle } from './style';
export { triggerPhrase, findTrigger, triggerWordIndex, insertTrigger, isCommonWord, type TriggerInsertion } from './trigger';
export { captionPhrases, tagFrequency, findLeaks, type TagCount, type LeakOptions, type PhraseContext } from './frequency';
export {
  lintCaption,
  lintCaptions,
  datasetFacts,
  lintRules,
  defaultLintOptions,
  type LintRule,
  type CaptionIssue,
  type LintOptions,
  type LintSettings,
  type LintReport,
  type DatasetFacts,
} from './lint';
export { planBatch, type BatchOperation, type BatchContext, type BatchPlanResult } from './batch';
export { KNOWN_TRIGGER_WORDS } from './common-words';
