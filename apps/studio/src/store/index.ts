import { create } from 'zustand';
import { createCaptionsSlice, type CaptionsSlice } from './captions-slice';
import { createCompareSlice, type CompareSlice } from './compare-slice';
import { createComputeSlice, type ComputeSlice } from './compute-slice';
import { createConnectionSlice, type ConnectionSlice } from './connection-slice';
import { createDatasetSlice, type DatasetSlice } from './dataset-slice';
import { createExportSlice, type ExportSlice } from './export-slice';
import { createGenerateSlice, type GenerateSlice } from './generate-slice';
import { createModelsSlice, type ModelsSlice } from './models-slice';
import { createPickedRunSlice, type PickedRunSlice } from './picked-run-slice';
import { createProjectsSlice, type ProjectsSlice } from './projects-slice';
import { createReferencesSlice, type ReferencesSlice } from './references-slice';
import { createRunsSlice, type RunsSlice } from './runs-slice';

/** The whole renderer state: one bound store made of typed slices (later: dataset, captions, runs). */
export type StudioState = ConnectionSlice & ProjectsSlice & DatasetSlice & CaptionsSlice & RunsSlice & PickedRunSlice & CompareSlice & GenerateSlice & ExportSlice & ModelsSlice & ReferencesSlice & ComputeSlice;

export const useStudio = create<StudioState>()((...a) => ({
  ...createConnectionSlice(...a),
  ...createProjectsSlice(...a),
  ...createDatasetSlice(...a),
  ...createCaptionsSlice(...a),
  ...createRunsSlice(...a),
  ...createPickedRunSlice(...a),
  ...createCompareSlice(...a),
  ...createGenerateSlice(...a),
  ...createExportSlice(...a),
  ...createModelsSlice(...a),
  ...createReferencesSlice(...a),
  ...createComputeSlice(...a),
}));
