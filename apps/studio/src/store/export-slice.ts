import { DEFAULT_LORA_EXPORT_PRECISION, type LoraExportWeights, type LoraExportFormat, type LoraExportPrecision, type LoraExportPreview, type RunDetail } from '@lora-studio/api';
import type { StateCreator } from 'zustand';
import { client, errorMessage } from '../client';
import { proposedCheckpoint, type ProposedCheckpoint } from '../screens/export/proposed-checkpoint';
import type { StudioState } from './index';

export type ConfigFormat = 'json' | 'toml';

/** The Export view of the picked run: the chosen checkpoint and format, the preview of the file, and what was written. */
export interface ExportSlice {
  exportFor: { dir: string; runId: number } | null;
  /** What the studio proposed before the user chose (favourite, best score or latest). */
  exportProposal: ProposedCheckpoint | null;
  exportStep: number | null;
  exportFormat: LoraExportFormat;
  exportPrecision: LoraExportPrecision;
  /** The trained tensors, or their moving average (offered for runs trained with an EMA decay). */
  exportWeights: LoraExportWeights;
  exportPreview: LoraExportPreview | null;
  previewing: boolean;
  exportPreviewError: string | null;
  exporting: boolean;
  exported: (LoraExportPreview & { path: string }) | null;
  exportError: string | null;
  configExport: { format: ConfigFormat; path: string } | null;
  configExporting: boolean;
  configError: string | null;
  datasetExport: { folder: string; images: number; uncaptioned: number } | null;
  datasetExporting: boolean;
  datasetError: string | null;

  /** Proposes a checkpoint for the run (asking for its scores) and previews it. */
  prepareExport(dir: string, run: RunDetail): Promise<void>;
  chooseExport(choice: { step?: number; format?: LoraExportFormat; precision?: LoraExportPrecision; weights?: LoraExportWeights }): Promise<void>;
  exportLora(): Promise<void>;
  exportConfig(format: ConfigFormat): Promise<void>;
  exportDataset(outDir: string): Promise<void>;
}

export const createExportSlice: StateCreator<StudioState, [], [], ExportSlice> = (set, get) => {
  let previewSeq = 0;
  const isFor = (dir: string, runId: number) => get().exportFor?.dir === dir && get().exportFor?.runId === runId;

  return {
    exportFor: null,
    exportProposal: null,
    exportStep: null,
    exportFormat: 'kohya',
    exportPrecision: DEFAULT_LORA_EXPORT_PRECISION,
    exportWeights: 'trained',
    exportPreview: null,
    previewing: false,
    exportPreviewError: null,
    exporting: false,
    exported: null,
    exportError: null,
    configExport: null,
    configExporting: false,
    configError: null,
    datasetExport: null,
    datasetExporting: false,
    datasetError: null,

    prepareExport: async (dir, run) => {
      const favourite = run.checkpoints.find((c) => c.favourite)?.step ?? null;
      // A favourite marked since the last visit changes the proposal; otherwise the user's choice stays.
      if (isFor(dir, run.id) && (favourite === null || get().exportProposal?.step === favourite)) return;
      set({
        exportFor: { dir, runId: run.id }, exportProposal: null, exportStep: null, exportWeights: 'trained', exportPreview: null, exportPreviewError: null,
        exported: null, exportError: null, configExport: null, configError: null,
      });
      let scores = null;
      try {
        scores = await client.send('compare-scores', { dir, runId: run.id });
      } catch {
        // Without scores the proposal falls back to the favourite or the latest checkpoint.
      }
      if (!isFor(dir, run.id)) return;
      const proposal = proposedCheckpoint(run, scores);
      set({ exportProposal: proposal });
      if (proposal) await get().chooseExport({ step: proposal.step });
    },

    chooseExport: async ({ step, format, precision, weights }) => {
      const target = get().exportFor;
      if (!target) return;
      const nextStep = step ?? get().exportStep;
      const nextFormat = format ?? get().exportFormat;
      const nextPrecision = precision ?? get().exportPrecision;
      const nextWeights = weights ?? get().exportWeights;
      set({ exportStep: nextStep, exportFormat: nextFormat, exportPrecision: nextPrecision, exportWeights: nextWeights, exported: null, exportError: null });
      if (nextStep === null) return;
      const seq = ++previewSeq;
      set({ previewing: true, exportPreviewError: null });
      try {
        const preview = await client.send('export-preview', { ...target, step: nextStep, format: nextFormat, precision: nextPrecision, weights: nextWeights });
        if (seq === previewSeq) set({ exportPreview: preview, previewing: false });
      } catch (err) {
        if (seq === previewSeq) set({ exportPreview: null, previewing: false, exportPreviewError: errorMessage(err) });
      }
    },

    exportLora: async () => {
      const { exportFor: target, exportStep: step, exportFormat: format, exportPrecision: precision, exportWeights: weights } = get();
      if (!target || step === null || get().exporting) return;
      set({ exporting: true, exportError: null, exported: null });
      try {
        const written = await client.send('export-lora', { ...target, step, format, precision, weights });
        if (isFor(target.dir, target.runId)) set({ exported: written, exporting: false });
      } catch (err) {
        set({ exporting: false, exportError: errorMessage(err) });
      }
    },

    exportConfig: async (format) => {
      const target = get().exportFor;
      if (!target || get().configExporting) return;
      set({ configExporting: true, configError: null });
      try {
        const { path } = await client.send('export-config', { ...target, format });
        set({ configExport: { format, path }, configExporting: false });
      } catch (err) {
        set({ configExporting: false, configError: errorMessage(err) });
      }
    },

    exportDataset: async (outDir) => {
      const target = get().exportFor;
      if (!target || get().datasetExporting) return;
      set({ datasetExporting: true, datasetError: null, datasetExport: null });
      try {
        const result = await client.send('export-dataset', { dir: target.dir, outDir });
        set({ datasetExport: result, datasetExporting: false });
      } catch (err) {
        set({ datasetExporting: false, datasetError: errorMessage(err) });
      }
    },
  };
};
