// The studio's base-model library: adding models from folders, BFL files or the hub, and describing them.
export * from './add-model';
export * from './describe-model';
export * from './hub-download';
export * from './model-manifest';
export { huggingFaceCacheDirs } from './hf-cache';
