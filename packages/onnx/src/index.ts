// Public API of the training engine: graph builder, ops, autodiff, optimizers, serialization, sessions.
export * from './dtype';
export * from './float8';
export * from './shape';
export * from './graph';
export * from './ops';
export * from './serialize';
export * from './autodiff';
export { GRAD_RULES, constInts } from './grad-rules';
export * from './session';
export * from './host-arrays';
export * from './gradcheck';
export * from './seeded-random';
export * from './optimizer';
export * from './train-state';
export * from './providers';
export * from './selftest';
export * from './tiny-transformer';
export * from './safetensors';
