export * from './errors';
export * from './events';
export * from './handlers';
export * from './protocol';
export * from './domains/app';
export * from './domains/projects';
export * from './csp';
