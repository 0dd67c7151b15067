// Caption services that need Node: the project's caption store and history, captioners, import/export.
export {
  ProjectCaptions,
  type CaptionEntry,
  type CaptionWrite,
  type CaptionSource,
  type BatchKind,
  type HistoryState,
  type HistoryStep,
  type CaptionCoverage,
} from './project-captions';
export { CaptionerError, type Captioner, type ImageToCaption, type CaptionContext } from './captioners/captioner';
export { templateCaptioner, templateCaption, imageFacts, colourName, type ImageFacts } from './captioners/template';
export { OnnxTagger, defaultTaggerOptions, type TaggerOptions, type ScoredTag } from './captioners/onnx-tagger';
export {
  openAiCaptioner,
  chatCompletionsUrl,
  visionPrompt,
  DEFAULT_VISION_PROMPT,
  defaultVisionEndpoint,
  type VisionEndpoint,
} from './captioners/openai';
export {
  runAutoCaption,
  imagesToCaption,
  type OverwritePolicy,
  type AutoCaptionProgress,
  type AutoCaptionResult,
} from './auto-caption';
export { exportCaptions, importCaptions, JSONL_FILE, type CaptionFileFormat, type ExportResult, type ImportResult } from './sidecars';
