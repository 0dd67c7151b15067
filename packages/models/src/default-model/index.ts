// The embedded default model: pixel-space FLUX.2 + byte-level text encoder, its corpus, its sample datasets.
export * from './pixels';
export * from './placement';
export * from './patchify';
export * from './text-encoder';
export * from './graph-weights';
export * from './spec';
export * from './model-files';
export * from './emoji-corpus';
export * from './sample-datasets';
export * from './pretrain-graph';
export * from './pretrain';
export * from './pretrain-cli';
export * from './default-model';
