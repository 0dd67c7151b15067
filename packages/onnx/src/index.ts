// Public API of the training engine: graph builder, ops, autodiff, optimizers, serialization, sessions.
export * from './dtype';
export * from './shape';
export * from './graph';
export * from './ops';
export * from './serialize';
