import type {
  CaptionBatchOperation,
  CaptionerChoice,
  CaptionHistory,
  CaptionItem,
  CaptionSettings,
  CaptionsOverview,
  HandlerArgs,
  HandlerResult,
  ServerEvents,
} from '@lora-studio/api';
import type { StateCreator } from 'zustand';
import { client, errorMessage } from '../client';
import type { StudioState } from './index';

/** The caption being typed: what the field shows, and what is known to be stored (equal when nothing is pending). */
export interface CaptionDraft {
  imageId: number;
  text: string;
  stored: string;
  status: 'saved' | 'pending' | 'saving' | 'failed';
  error: string | null;
}

export interface CaptionThumbs {
  small: string;
  large: string;
}

/** Images shown in the filmstrip and in the scope of batch tools: picked from the tag table or the lint report. */
export interface CaptionFilter {
  label: string;
  imageIds: number[];
}

export type AutoCaptionProgress = ServerEvents['captions-auto-progress'];

export interface AutoCaptionState {
  running: boolean;
  cancelling: boolean;
  progress: AutoCaptionProgress | null;
  /** The last job's outcome in words ("12 captioned, 1 failed: …"), or why it could not start. */
  outcome: string | null;
  failed: boolean;
}

/** The Captions view: every caption of the open project, the one being edited, history, filters, auto-captioning. */
export interface CaptionsSlice {
  captionsDir: string | null;
  captions: CaptionsOverview | null;
  captionsError: string | null;
  captionSettings: CaptionSettings | null;
  captionThumbs: Record<number, CaptionThumbs>;
  selectedImageId: number | null;
  captionDraft: CaptionDraft | null;
  captionFilter: CaptionFilter | null;
  autoCaption: AutoCaptionState;

  loadCaptions(dir: string): Promise<void>;
  /** Fetches the list again (an event said captions changed); keeps the selection and a caption being typed. */
  reloadCaptions(): Promise<void>;
  leaveCaptions(): void;
  selectCaption(imageId: number): Promise<void>;
  /** Drops an edit that could not be saved, back to the stored caption. */
  discardCaptionEdit(): void;
  /** The editor's text changed: shown at once, saved shortly after the user pauses. */
  editCaption(text: string): void;
  /** A new edit session: autosaves until the next one are one undo step ("Edit caption"). */
  beginCaptionEdit(): void;
  /** Saves a pending edit now (before navigating, marking reviewed, undoing). */
  flushCaption(): Promise<void>;
  setReviewed(imageId: number, reviewed: boolean): Promise<void>;
  undoCaptions(): Promise<string | null>;
  redoCaptions(): Promise<string | null>;
  applyCaptionBatch(op: CaptionBatchOperation, imageIds?: number[]): Promise<HandlerResult<'captions-batch-apply'>>;
  setCaptionFilter(filter: CaptionFilter | null): void;
  updateCaptionSettings(change: Omit<HandlerArgs<'captions-settings-update'>, 'dir'>): Promise<CaptionSettings>;
  startAutoCaption(captioner: CaptionerChoice, overwrite: 'missing' | 'unreviewed' | 'all', imageIds?: number[]): Promise<void>;
  cancelAutoCaption(): Promise<void>;
  applyAutoCaptionProgress(event: AutoCaptionProgress): void;
  exportCaptions(format: 'txt' | 'jsonl', outDir: string): Promise<HandlerResult<'captions-export'>>;
  importCaptions(format: 'txt' | 'jsonl', from: string, overwriteReviewed: boolean): Promise<HandlerResult<'captions-import'>>;
}

/** Long enough not to write per keystroke, short enough that a crash loses at most a few words. */
const AUTOSAVE_MS = 500;

const idleAuto: AutoCaptionState = { running: false, cancelling: false, progress: null, outcome: null, failed: false };

function newEditSession(): string {
  // crypto.randomUUID needs a secure context, which a headless box reached over plain http is not.
  return `edit-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

function describeAutoResult(r: HandlerResult<'captions-auto'>): string {
  const parts = [`${r.captioned} of ${r.total} image${r.total === 1 ? '' : 's'} captioned`];
  if (r.skipped > 0) parts.push(`${r.skipped} skipped`);
  if (r.failed.length > 0) parts.push(`${r.failed.length} failed (${r.failed[0]!.message})`);
  if (r.cancelled) parts.push('cancelled');
  if (r.stoppedBy) parts.push(`stopped: ${r.stoppedBy}`);
  return `${parts.join(', ')}. Review each draft before training.`;
}

export const createCaptionsSlice: StateCreator<StudioState, [], [], CaptionsSlice> = (set, get) => {
  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  let saving: Promise<void> | null = null;
  let editSession = newEditSession();
  let reloading: Promise<void> | null = null;
  let reloadAgain = false;
  /** This window's auto-caption request is in flight (events alone cannot tell whose job it is). */
  let ownAutoJob = false;

  const dir = () => {
    const d = get().captionsDir;
    if (!d) throw new Error('No project is open in the Captions view.');
    return d;
  };

  /** Puts one item's new state into the overview (and its counts) without refetching the list. */
  const putItem = (item: CaptionItem, history: CaptionHistory) => {
    const overview = get().captions;
    if (!overview) return;
    const items = overview.items.map((i) => (i.imageId === item.imageId ? item : i));
    const included = items.filter((i) => !i.excluded);
    set({
      captions: {
        ...overview,
        items,
        history,
        reviewed: included.filter((i) => i.reviewed).length,
        flagged: included.filter((i) => i.issues.length > 0).length,
      },
    });
  };

  /** A draft for `imageId` from what is stored; keeps the one being typed when it is for the same image. */
  const draftFor = (overview: CaptionsOverview, imageId: number | null): CaptionDraft | null => {
    const item = imageId === null ? undefined : overview.items.find((i) => i.imageId === imageId);
    if (!item) return null;
    const stored = inFlight.get(item.imageId) ?? item.text ?? '';
    const current = get().captionDraft;
    if (current && current.imageId === imageId && current.text !== current.stored) {
      // The user typed since the last save: their words win; the pending save writes them.
      return { ...current, stored };
    }
    return { imageId: item.imageId, text: stored, stored, status: 'saved', error: null };
  };

  const applyOverview = (overview: CaptionsOverview) => {
    const visible = overview.items.filter((i) => !i.excluded);
    const selected = get().selectedImageId;
    const keep = selected !== null && overview.items.some((i) => i.imageId === selected);
    const imageId = keep ? selected : (visible[0]?.imageId ?? null);
    const filter = get().captionFilter;
    const known = new Set(overview.items.map((i) => i.imageId));
    set({
      captions: overview,
      captionsError: null,
      selectedImageId: imageId,
      captionDraft: draftFor(overview, imageId),
      captionFilter: filter ? { ...filter, imageIds: filter.imageIds.filter((id) => known.has(id)) } : null,
    });
  };

  /** Text sent but not yet confirmed, per image: coming back to an image during its save shows what is being written. */
  const inFlight = new Map<number, string>();

  /** `d` is the project the edit belongs to, taken when it was made: the view may have closed since. */
  const save = async (d: string, draft: CaptionDraft, session: string): Promise<void> => {
    if (draft.text === draft.stored) return;
    const text = draft.text;
    const mark = (change: Partial<CaptionDraft>) => {
      const now = get().captionDraft;
      if (get().captionsDir === d && now && now.imageId === draft.imageId) set({ captionDraft: { ...now, ...change } });
    };
    inFlight.set(draft.imageId, text);
    mark({ status: 'saving', error: null });
    try {
      const { item, history } = await client.send('captions-update', { dir: d, imageId: draft.imageId, text, editSession: session });
      if (get().captionsDir !== d) return;
      putItem(item, history);
      const stored = item.text ?? '';
      const now = get().captionDraft;
      if (now && now.imageId === draft.imageId) mark({ stored, status: now.text === stored ? 'saved' : 'pending', error: null });
    } catch (err) {
      const now = get().captionDraft;
      if (get().captionsDir !== d) throw err;
      if (now && now.imageId === draft.imageId) mark({ status: 'failed', error: `Not saved: ${errorMessage(err)}` });
      else {
        const name = get().captions?.items.find((i) => i.imageId === draft.imageId)?.sourceName ?? `image ${draft.imageId}`;
        set({ captionsError: `Your last change to the caption of ${name} was not saved: ${errorMessage(err)} Go back to it and type it again.` });
      }
      throw err;
    } finally {
      if (inFlight.get(draft.imageId) === text) inFlight.delete(draft.imageId);
    }
  };

  /** Saves run one at a time, in the order they were asked for, so an older text never lands after a newer one. */
  const enqueue = (task: () => Promise<void>): Promise<void> => {
    const tracked: Promise<void> = (saving ?? Promise.resolve())
      .catch(() => undefined)
      .then(task)
      .finally(() => {
        if (saving === tracked) saving = null;
      });
    saving = tracked;
    return tracked;
  };

  const flush = async (): Promise<void> => {
    if (saveTimer) {
      clearTimeout(saveTimer);
      saveTimer = null;
    }
    const draft = get().captionDraft;
    const d = get().captionsDir;
    if (d && draft && draft.text !== draft.stored && draft.status !== 'saving') {
      const session = editSession;
      // The freshest text is read when this save's turn comes, not now: typing may go on meanwhile
      // (unless the view has closed, and then the text as it was is written).
      void enqueue(async () => {
        const now = get().captionDraft;
        await save(d, now && now.imageId === draft.imageId ? now : draft, session);
      }).catch(() => undefined);
    }
    while (saving) await saving;
  };

  const refetch = async (d: string) => {
    const overview = await client.send('captions-list', { dir: d });
    if (get().captionsDir !== d) return;
    // Thumbnail paths come from the dataset's list, fetched again only when an image is new to this view.
    const thumbs = get().captionThumbs;
    if (overview.items.some((i) => !thumbs[i.imageId])) {
      const images = await client.send('images-list', { dir: d }).catch(() => null);
      if (get().captionsDir !== d) return;
      if (images) set({ captionThumbs: Object.fromEntries(images.map((i) => [i.id, { small: i.thumbSmall, large: i.thumbLarge }])) });
    }
    applyOverview(overview);
  };

  return {
    captionsDir: null,
    captions: null,
    captionsError: null,
    captionSettings: null,
    captionThumbs: {},
    selectedImageId: null,
    captionDraft: null,
    captionFilter: null,
    autoCaption: idleAuto,

    loadCaptions: async (d) => {
      if (get().captionsDir !== d) {
        set({
          captionsDir: d,
          captions: null,
          captionsError: null,
          captionSettings: null,
          captionThumbs: {},
          selectedImageId: null,
          captionDraft: null,
          captionFilter: null,
          autoCaption: idleAuto,
        });
      }
      try {
        const [settings] = await Promise.all([client.send('captions-settings-get', { dir: d }), refetch(d)]);
        if (get().captionsDir === d) set({ captionSettings: settings });
      } catch (err) {
        if (get().captionsDir === d) set({ captionsError: errorMessage(err) });
      }
    },

    reloadCaptions: async () => {
      const d = get().captionsDir;
      if (!d) return;
      // Events come in bursts (auto-captioning, autosaves): one fetch at a time, plus one after it for the latest.
      if (reloading) {
        reloadAgain = true;
        return reloading;
      }
      reloading = (async () => {
        try {
          do {
            reloadAgain = false;
            await refetch(d);
          } while (reloadAgain && get().captionsDir === d);
        } catch (err) {
          if (get().captionsDir === d) set({ captionsError: errorMessage(err) });
        } finally {
          reloading = null;
        }
      })();
      return reloading;
    },

    leaveCaptions: () => {
      // Whatever was typed last is still written; the view is gone but the words are not lost.
      void flush().catch(() => undefined);
      set({ captionsDir: null, captions: null, captionDraft: null, selectedImageId: null, captionFilter: null, captionSettings: null });
    },

    selectCaption: async (imageId) => {
      if (get().selectedImageId === imageId) return;
      if (saveTimer) {
        clearTimeout(saveTimer);
        saveTimer = null;
      }
      // The next image is shown at once, so typing right after Ctrl+↓ lands in its caption; the one just left
      // is saved behind it.
      const left = get().captionDraft;
      const leftSession = editSession;
      const d = get().captionsDir;
      editSession = newEditSession();
      const overview = get().captions;
      set({ selectedImageId: imageId, captionDraft: overview ? draftFor(overview, imageId) : null });
      if (d && left && left.text !== left.stored) await enqueue(() => save(d, left, leftSession)).catch(() => undefined);
    },

    editCaption: (text) => {
      const draft = get().captionDraft;
      if (!draft) return;
      set({ captionDraft: { ...draft, text, status: text === draft.stored ? 'saved' : 'pending' } });
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(() => {
        saveTimer = null;
        void flush().catch(() => undefined);
      }, AUTOSAVE_MS);
    },

    discardCaptionEdit: () => {
      const draft = get().captionDraft;
      if (draft) set({ captionDraft: { ...draft, text: draft.stored, status: 'saved', error: null } });
    },

    beginCaptionEdit: () => {
      editSession = newEditSession();
    },

    flushCaption: flush,

    setReviewed: async (imageId, reviewed) => {
      await flush();
      const { item, history } = await client.send('captions-update', { dir: dir(), imageId, reviewed });
      putItem(item, history);
    },

    undoCaptions: async () => {
      await flush();
      const r = await client.send('captions-undo', { dir: dir() });
      editSession = newEditSession();
      await get().reloadCaptions();
      return r.label;
    },

    redoCaptions: async () => {
      await flush();
      const r = await client.send('captions-redo', { dir: dir() });
      editSession = newEditSession();
      await get().reloadCaptions();
      return r.label;
    },

    applyCaptionBatch: async (op, imageIds) => {
      await flush();
      const r = await client.send('captions-batch-apply', { dir: dir(), op, ...(imageIds ? { imageIds } : {}) });
      await get().reloadCaptions();
      return r;
    },

    setCaptionFilter: (filter) => set({ captionFilter: filter }),

    updateCaptionSettings: async (change) => {
      const settings = await client.send('captions-settings-update', { dir: dir(), ...change });
      set({ captionSettings: settings });
      // Lint thresholds changed: the flags in the list follow.
      if (change.lint) await get().reloadCaptions();
      return settings;
    },

    startAutoCaption: async (captioner, overwrite, imageIds) => {
      const d = dir();
      await flush();
      set({ autoCaption: { running: true, cancelling: false, progress: null, outcome: null, failed: false } });
      ownAutoJob = true;
      try {
        const r = await client.send('captions-auto', { dir: d, captioner, overwrite, ...(imageIds ? { imageIds } : {}) });
        if (get().captionsDir === d) {
          set({ autoCaption: { ...get().autoCaption, running: false, cancelling: false, outcome: describeAutoResult(r), failed: r.failed.length > 0 && r.captioned === 0 } });
        }
      } catch (err) {
        if (get().captionsDir === d) set({ autoCaption: { ...get().autoCaption, running: false, cancelling: false, outcome: errorMessage(err), failed: true } });
      } finally {
        ownAutoJob = false;
      }
      await get().reloadCaptions();
    },

    cancelAutoCaption: async () => {
      set({ autoCaption: { ...get().autoCaption, cancelling: true } });
      await client.send('captions-auto-cancel', { dir: dir() });
    },

    applyAutoCaptionProgress: (event) => {
      const d = get().captionsDir;
      if (!d || (event.dir !== d && event.dir !== get().project?.dir)) return;
      const auto = get().autoCaption;
      // Another window (or the CLI) may have started the job: then its events alone say whether one is running.
      const running = ownAutoJob || !event.finished;
      set({ autoCaption: { ...auto, progress: event, running, cancelling: running && auto.cancelling } });
    },

    exportCaptions: async (format, outDir) => client.send('captions-export', { dir: dir(), format, outDir }),

    importCaptions: async (format, from, overwriteReviewed) => {
      await flush();
      const r = await client.send('captions-import', { dir: dir(), format, from, overwriteReviewed });
      await get().reloadCaptions();
      return r;
    },
  };
};
