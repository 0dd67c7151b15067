import { create } from 'zustand';
import { createCaptionsSlice, type CaptionsSlice } from './captions-slice';
import { createConnectionSlice, type ConnectionSlice } from './connection-slice';
import { createDatasetSlice, type DatasetSlice } from './dataset-slice';
import { createProjectsSlice, type ProjectsSlice } from './projects-slice';

/** The whole renderer state: one bound store made of typed slices (later: dataset, captions, runs). */
export type StudioState = ConnectionSlice & ProjectsSlice & DatasetSlice & CaptionsSlice;

export const useStudio = create<StudioState>()((...a) => ({
  ...createConnectionSlice(...a),
  ...createProjectsSlice(...a),
  ...createDatasetSlice(...a),
  ...createCaptionsSlice(...a),
}));
