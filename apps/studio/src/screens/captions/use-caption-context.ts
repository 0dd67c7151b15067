import type { CaptionItem } from '@lora-studio/api';
import { datasetFacts, defaultLintOptions, type CaptionText, type DatasetFacts, type LintSettings } from '@lora-studio/captions';
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useStudio } from '../../store';

/** The images the filmstrip shows and keys move through: included ones, narrowed by the tag or lint filter. */
export function useVisibleItems(): CaptionItem[] {
  return useStudio(
    useShallow((s) => {
      const items = s.captions?.items ?? [];
      const only = s.captionFilter ? new Set(s.captionFilter.imageIds) : null;
      return items.filter((i) => !i.excluded && (!only || only.has(i.imageId)));
    }),
  );
}

/** Captions as the lint and batch tools read them (excluded images do not train, so they are left out). */
export function useCaptionTexts(): CaptionText[] {
  const items = useStudio((s) => s.captions?.items);
  return useMemo(() => (items ?? []).filter((i) => !i.excluded).map((i) => ({ imageId: i.imageId, text: i.text ?? '' })), [items]);
}

/** Trigger, LoRA type and the project's lint thresholds, as the shared caption tools take them. */
export function useLintSettings(): LintSettings | null {
  const trigger = useStudio((s) => s.captions?.trigger);
  const type = useStudio((s) => s.captions?.type);
  const lint = useStudio((s) => s.captionSettings?.lint);
  return useMemo(() => (trigger && type ? { trigger, type, options: lint ?? defaultLintOptions } : null), [trigger, type, lint]);
}

/** Leaks and identical captions across the dataset, recomputed when the stored captions change. */
export function useDatasetFacts(): DatasetFacts | null {
  const texts = useCaptionTexts();
  const settings = useLintSettings();
  return useMemo(() => (settings ? datasetFacts(texts, settings) : null), [texts, settings]);
}
