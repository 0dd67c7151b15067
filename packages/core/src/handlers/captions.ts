import {
  ApiFailure,
  InvalidInputError,
  type CaptionerChoice,
  type CaptionItem,
  type CaptionsHandlers,
  type CaptionSettings,
  type CaptionsOverview,
} from '@lora-studio/api';
import {
  datasetFacts,
  datasetStyle,
  defaultLintOptions,
  lintCaption,
  lintCaptions,
  planBatch,
  tagFrequency,
  triggerPhrase,
  type BatchOperation,
  type LintSettings,
} from '@lora-studio/captions';
import {
  CaptionerError,
  defaultTaggerOptions,
  defaultVisionEndpoint,
  exportCaptions,
  importCaptions,
  OnnxTagger,
  openAiCaptioner,
  ProjectCaptions,
  runAutoCaption,
  templateCaptioner,
  type Captioner,
} from '@lora-studio/captions/node';
import { ImageRows } from '@lora-studio/media';
import {
  assertFolderCanBeMade,
  confinedPathOrUndefined,
  realPathOf,
  type ProjectStore,
} from '@lora-studio/store';
import { isAbsolute, resolve } from 'node:path';
import type { StudioContext } from '../context';
import { requireProject } from '../project-access';

const DEFAULT_VISION_URL = 'http://localhost:11434/v1';

/**
 * The real folder captions may be exported to: outside the project, whose images/, cache/ and runs/ the studio
 * manages (copies written into images/ would look like imported files). Judged by real paths, so a linked folder
 * that leads into the project is refused too; and checked before the export's recursive mkdir.
 */
function exportFolder(projectDir: string, outDir: string): string {
  if (confinedPathOrUndefined(projectDir, outDir) !== undefined) {
    throw new InvalidInputError(`${outDir} is inside the project folder ${projectDir} (or a link leads there); export to a folder outside the project.`);
  }
  assertFolderCanBeMade(outDir);
  return realPathOf(outDir);
}

/** Where a vision endpoint's API key lives: the app store, keyed by the server, so no project file ever holds it. */
function apiKeySetting(url: string): string {
  try {
    return `captions.apiKey ${new URL(url).origin}`;
  } catch {
    return `captions.apiKey ${url}`;
  }
}

function readSettings(ctx: StudioContext, captions: ProjectCaptions): CaptionSettings {
  const saved = captions.settings() as Partial<Omit<CaptionSettings, 'apiKeySet'>>;
  const vision = {
    url: DEFAULT_VISION_URL,
    model: '',
    prompt: defaultVisionEndpoint.prompt,
    concurrency: defaultVisionEndpoint.concurrency,
    timeoutMs: defaultVisionEndpoint.timeoutMs,
    retries: defaultVisionEndpoint.retries,
    maxTokens: defaultVisionEndpoint.maxTokens,
    ...saved.vision,
  };
  return {
    lint: { ...defaultLintOptions, ...saved.lint },
    tagger: { dir: null, ...defaultTaggerOptions, ...saved.tagger },
    vision,
    apiKeySet: Boolean(ctx.app.setting(apiKeySetting(vision.url))),
  };
}

export function captionsHandlers(ctx: StudioContext): CaptionsHandlers {
  /** One auto-caption job per project; cancel reaches it from any window. */
  const jobs = new Map<string, AbortController>();

  const lintSettings = (store: ProjectStore, captions: ProjectCaptions): LintSettings => {
    const project = store.settings();
    return { trigger: project.trigger, type: project.type, options: readSettings(ctx, captions).lint };
  };

  const changed = (store: ProjectStore, imageIds: number[] | null) => ctx.emit('captions-changed', { dir: store.dir, imageIds });

  function plan(store: ProjectStore, op: BatchOperation, imageIds: number[] | undefined) {
    const captions = new ProjectCaptions(store);
    const project = store.settings();
    const r = planBatch(op, captions.texts(imageIds ? { imageIds, includeExcluded: true } : {}), project);
    if (!r.ok) throw new ApiFailure('invalid-request', r.error);
    return { captions, plan: r.plan };
  }

  async function makeCaptioner(choice: CaptionerChoice, settings: CaptionSettings): Promise<Captioner> {
    switch (choice.kind) {
      case 'template':
        return templateCaptioner();
      case 'onnx': {
        const dir = choice.dir ?? settings.tagger.dir;
        if (!dir) throw new ApiFailure('invalid-request', 'Choose the tagger folder (model.onnx + selected_tags.csv) first.');
        try {
          return await OnnxTagger.load(resolve(dir), settings.tagger);
        } catch (err) {
          if (err instanceof CaptionerError) throw new ApiFailure('unavailable', err.message);
          throw err;
        }
      }
      case 'openai': {
        const url = choice.url ?? settings.vision.url;
        const model = choice.model ?? settings.vision.model;
        if (!model) throw new ApiFailure('invalid-request', 'Name the vision model to use, e.g. "qwen2.5vl:7b" (Ollama) or "gpt-4o-mini".');
        const apiKey = choice.apiKey ?? (ctx.app.setting(apiKeySetting(url)) || undefined);
        try {
          return openAiCaptioner({ ...defaultVisionEndpoint, ...settings.vision, url, model, ...(apiKey ? { apiKey } : {}), imageSize: defaultVisionEndpoint.imageSize });
        } catch (err) {
          if (err instanceof CaptionerError) throw new ApiFailure('invalid-request', err.message);
          throw err;
        }
      }
    }
  }

  return {
    'captions-list': async ({ dir }) => {
      const store = requireProject(ctx, dir);
      const captions = new ProjectCaptions(store);
      const settings = lintSettings(store, captions);
      const entries = captions.list();
      const included = entries.filter((e) => !e.excluded);
      const texts = captions.texts();
      const report = lintCaptions(texts, settings);
      const byImage = new Map<number, CaptionItem['issues']>();
      for (const issue of report.issues) {
        if (issue.imageId !== null) byImage.set(issue.imageId, [...(byImage.get(issue.imageId) ?? []), issue]);
      }
      const overview: CaptionsOverview = {
        trigger: settings.trigger,
        type: settings.type,
        triggerPhrase: triggerPhrase(settings.type, settings.trigger),
        style: datasetStyle(texts.map((t) => t.text).filter(Boolean)),
        items: entries.map((e) => ({ ...e, issues: byImage.get(e.imageId) ?? [] })),
        reviewed: included.filter((e) => e.reviewed).length,
        total: included.length,
        flagged: report.flaggedImageIds.length,
        projectIssues: report.issues.filter((i) => i.imageId === null),
        leaks: report.leaks,
        history: captions.history(),
      };
      return overview;
    },

    'captions-update': async ({ dir, imageId, text, reviewed, editSession }) => {
      const store = requireProject(ctx, dir);
      const captions = new ProjectCaptions(store);
      if (!captions.hasImage(imageId)) throw new ApiFailure('not-found', `Image ${imageId} is not in this project; reload the list.`);
      const label = text === undefined ? (reviewed ? 'Mark reviewed' : 'Mark unreviewed') : 'Edit caption';
      const kind = text === undefined ? 'review' : 'edit';
      const wrote = captions.write(label, kind, [{ imageId, ...(text !== undefined ? { text, source: 'user' as const } : {}), ...(reviewed !== undefined ? { reviewed } : {}) }], editSession);
      const entry = captions.get(imageId)!;
      const settings = lintSettings(store, captions);
      const issues = lintCaption({ imageId, text: entry.text ?? '' }, settings, datasetFacts(captions.texts(), settings));
      if (wrote !== null) changed(store, [imageId]);
      return { item: { ...entry, issues }, history: captions.history() };
    },

    'captions-set-reviewed': async ({ dir, imageIds, reviewed }) => {
      const store = requireProject(ctx, dir);
      const captions = new ProjectCaptions(store);
      const known = imageIds.filter((id) => captions.hasImage(id));
      const label = `Mark ${known.length} image${known.length === 1 ? '' : 's'} ${reviewed ? 'reviewed' : 'unreviewed'}`;
      const before = captions.list().filter((e) => known.includes(e.imageId) && e.reviewed !== reviewed).length;
      captions.write(label, 'review', known.map((imageId) => ({ imageId, reviewed })));
      if (before > 0) changed(store, known);
      return { changed: before, history: captions.history() };
    },

    'captions-lint': async ({ dir }) => {
      const store = requireProject(ctx, dir);
      const captions = new ProjectCaptions(store);
      return lintCaptions(captions.texts(), lintSettings(store, captions));
    },

    'captions-tags': async ({ dir, maxWords }) => {
      const store = requireProject(ctx, dir);
      return tagFrequency(new ProjectCaptions(store).texts(), store.settings(), maxWords ?? 2);
    },

    'captions-batch-preview': async ({ dir, op, imageIds }) => plan(requireProject(ctx, dir), op, imageIds).plan,

    'captions-batch-apply': async ({ dir, op, imageIds }) => {
      const store = requireProject(ctx, dir);
      // Planned again here from what is stored now, so a stale preview can never write stale text.
      const { captions, plan: p } = plan(store, op, imageIds);
      captions.write(p.label, 'batch', p.changes.map((c) => ({ imageId: c.imageId, text: c.after, source: 'user' as const })));
      if (p.changes.length > 0) changed(store, p.changes.map((c) => c.imageId));
      return { label: p.label, changed: p.changes.length, history: captions.history() };
    },

    'captions-undo': async ({ dir }) => {
      const store = requireProject(ctx, dir);
      if (jobs.has(store.dir)) throw new ApiFailure('conflict', 'Auto-captioning is running; cancel it or wait before undoing.');
      const captions = new ProjectCaptions(store);
      const step = captions.undo();
      if (step) changed(store, step.imageIds);
      return { label: step?.label ?? null, imageIds: step?.imageIds ?? [], history: captions.history() };
    },

    'captions-redo': async ({ dir }) => {
      const store = requireProject(ctx, dir);
      if (jobs.has(store.dir)) throw new ApiFailure('conflict', 'Auto-captioning is running; cancel it or wait before redoing.');
      const captions = new ProjectCaptions(store);
      const step = captions.redo();
      if (step) changed(store, step.imageIds);
      return { label: step?.label ?? null, imageIds: step?.imageIds ?? [], history: captions.history() };
    },

    'captions-auto': async ({ dir, captioner: choice, overwrite, imageIds }) => {
      const store = requireProject(ctx, dir);
      if (jobs.has(store.dir)) throw new ApiFailure('conflict', 'Auto-captioning is already running for this project; cancel it first.');
      const captions = new ProjectCaptions(store);
      const project = store.settings();
      const abort = new AbortController();
      jobs.set(store.dir, abort);
      const progress = { done: 0, total: 0, captioned: 0, failed: 0 };
      try {
        const captioner = await makeCaptioner(choice, readSettings(ctx, captions));
        const images = new ImageRows(store);
        try {
          const result = await runAutoCaption({
            projectDir: store.dir,
            captions,
            captioner,
            trigger: project.trigger,
            type: project.type,
            policy: overwrite,
            ...(imageIds ? { imageIds } : {}),
            signal: abort.signal,
            metrics: (id) => {
              const m = images.metrics(id);
              return m ? { ...m } : null;
            },
            onProgress: (p) => {
              Object.assign(progress, { done: p.done, total: p.total, captioned: p.captioned, failed: p.failed });
              ctx.emit('captions-auto-progress', { dir: store.dir, ...progress, imageId: p.imageId, error: p.error, finished: false, cancelled: false, stoppedBy: null });
              if (p.text !== null) changed(store, [p.imageId]);
            },
          });
          ctx.emit('captions-auto-progress', {
            dir: store.dir,
            done: progress.done,
            total: result.total,
            captioned: result.captioned,
            failed: result.failed.length,
            imageId: null,
            error: null,
            finished: true,
            cancelled: result.cancelled,
            stoppedBy: result.stoppedBy,
          });
          return { ...result, history: captions.history() };
        } finally {
          await captioner.close();
        }
      } finally {
        jobs.delete(store.dir);
      }
    },

    'captions-auto-cancel': async ({ dir }) => {
      const job = jobs.get(resolve(dir));
      job?.abort();
      return { cancelled: job !== undefined };
    },

    'captions-export': async ({ dir, format, outDir, withImages }) => {
      const store = requireProject(ctx, dir);
      if (!isAbsolute(outDir)) throw new ApiFailure('invalid-request', `Give the export folder as a full path (got "${outDir}").`);
      const target = exportFolder(store.dir, outDir);
      return exportCaptions(store.dir, new ProjectCaptions(store), { format, outDir: target, ...(withImages !== undefined ? { withImages } : {}) });
    },

    'captions-import': async ({ dir, format, from, overwriteReviewed }) => {
      const store = requireProject(ctx, dir);
      if (!isAbsolute(from)) throw new ApiFailure('invalid-request', `Give the captions' location as a full path (got "${from}").`);
      const captions = new ProjectCaptions(store);
      let result;
      try {
        result = importCaptions(captions, { format, from: resolve(from), ...(overwriteReviewed !== undefined ? { overwriteReviewed } : {}) });
      } catch (err) {
        throw new ApiFailure('invalid-request', (err as Error).message);
      }
      if (result.imported > 0) changed(store, null);
      return { ...result, history: captions.history() };
    },

    'captions-settings-get': async ({ dir }) => readSettings(ctx, new ProjectCaptions(requireProject(ctx, dir))),

    'captions-settings-update': async ({ dir, lint, tagger, vision, apiKey }) => {
      const captions = new ProjectCaptions(requireProject(ctx, dir));
      const current = readSettings(ctx, captions);
      const next = {
        lint: { ...current.lint, ...lint },
        tagger: { ...current.tagger, ...tagger },
        vision: { ...current.vision, ...vision },
      };
      captions.saveSettings(next);
      if (apiKey !== undefined) {
        const key = apiKeySetting(next.vision.url);
        // The app store has no delete; an empty value means "no key".
        ctx.app.setSetting(key, apiKey ?? '');
      }
      return readSettings(ctx, captions);
    },
  };
}
