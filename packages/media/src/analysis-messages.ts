import type { TextFinding } from './text-reader';

/** Which background analyzers run. Both are on in the app; the import bench measures with them off and on. */
export interface AnalyzerSwitches {
  text: boolean;
  faces: boolean;
}

/** One image for an analysis thread. Paths are absolute; the thumbnail is tried first (already upright, small). */
export interface AnalysisJob {
  id: number;
  thumbnail: string;
  original: string;
  analyzers: AnalyzerSwitches;
}

/** What a thread sends back: a value for each analyzer that ran, null for one that was off. */
export type AnalysisOutcome =
  | { id: number; ok: true; text: TextFinding | null; faces: number | null }
  | { id: number; ok: false; reason: string };
