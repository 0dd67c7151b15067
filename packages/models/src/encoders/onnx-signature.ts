// Checks an ONNX export's inputs and outputs (names, dtypes, ranks, the dims that are fixed) against what
// the encoders feed it, from onnxruntime's session metadata, so a wrong export is reported before it runs.
import type { EngineSession } from '@lora-studio/onnx';

export interface ValueExpectation {
  name: string;
  dtype: string;
  /** null = any size (symbolic or free). */
  dims: (number | null)[];
  /** What the dims mean, for the message, e.g. "[batch, 3, height, width]". */
  layout: string;
}

export interface ValueInfo {
  name: string;
  dtype?: string;
  shape?: readonly (number | string)[];
}

export function sessionInputs(s: EngineSession): ValueInfo[] {
  return s.session.inputMetadata.map((v) => (v.isTensor ? { name: v.name, dtype: v.type, shape: v.shape } : { name: v.name }));
}

export function sessionOutputs(s: EngineSession): ValueInfo[] {
  return s.session.outputMetadata.map((v) => (v.isTensor ? { name: v.name, dtype: v.type, shape: v.shape } : { name: v.name }));
}

const show = (shape: readonly (number | string)[] | undefined) => (shape ? `[${shape.map((d) => (typeof d === 'number' && d >= 0 ? d : String(d || '?'))).join(', ')}]` : 'not a tensor');

/** Problems with one value (empty when it fits); `where` names the file and role, e.g. "vae-encoder.onnx input". */
export function valueProblems(where: string, actual: ValueInfo, expected: ValueExpectation): string[] {
  const problems: string[] = [];
  if (!actual.shape || !actual.dtype) return [`${where} "${actual.name}" is not a tensor; expected ${expected.dtype} ${expected.layout}.`];
  if (actual.dtype !== expected.dtype) problems.push(`${where} "${actual.name}" is ${actual.dtype}, expected ${expected.dtype} ${expected.layout} (re-export with that type).`);
  if (actual.shape.length !== expected.dims.length) {
    problems.push(`${where} "${actual.name}" has shape ${show(actual.shape)}, expected rank ${expected.dims.length}: ${expected.layout}.`);
    return problems;
  }
  expected.dims.forEach((want, i) => {
    const got = actual.shape![i];
    if (want !== null && typeof got === 'number' && got > 0 && got !== want) {
      problems.push(`${where} "${actual.name}" has shape ${show(actual.shape)}, but dim ${i} must be ${want}: ${expected.layout}.`);
    }
  });
  return problems;
}

/** A fixed dim of a value, or undefined when it is symbolic. */
export function fixedDim(v: ValueInfo, axis: number): number | undefined {
  const d = v.shape?.[axis];
  return typeof d === 'number' && d > 0 ? d : undefined;
}
