export * from './elementwise';
export * from './layout';
export * from './reduce';
export * from './nn';
export type { Operand } from './common';
export * from './quantize';
export * from './rotary';
