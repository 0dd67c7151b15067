export * from './dtypes';
export * from './format';
export * from './file';
export { writeFileAtomic } from './atomic-write';
