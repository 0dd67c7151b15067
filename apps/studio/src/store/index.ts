import { create } from 'zustand';
import { createConnectionSlice, type ConnectionSlice } from './connection-slice';
import { createProjectsSlice, type ProjectsSlice } from './projects-slice';

/** The whole renderer state: one bound store made of typed slices (later: dataset, captions, runs). */
export type StudioState = ConnectionSlice & ProjectsSlice;

export const useStudio = create<StudioState>()((...a) => ({
  ...createConnectionSlice(...a),
  ...createProjectsSlice(...a),
}));
