// Real FLUX.2 models from the files people download: diffusers folders and BFL single files, their tokenizer,
// text encoder and VAE as engine graphs.
export * from './model-files';
export * from './latent-tokens';
export * from './model-kind';
export * from './flux2-model';
export * from './prompt-tokenizer';
export * from './text-encoder-config';
export * from './text-encoder-graph';
export * from './text-encoder-reference';
export * from './tensor-store';
export * from './vae-config';
export * from './vae-graph';
export * from './vae-reference';
export * from './tiny-flux2-model';
