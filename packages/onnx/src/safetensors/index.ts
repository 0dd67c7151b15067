export * from './dtypes';
export * from './format';
export * from './file';
