// Text-encoder and VAE slots for real FLUX.2 checkpoints: the model folder, its ONNX encoders, latent tokens.
export * from './latent-tokens';
export * from './prompt-tokenizer';
export * from './model-folder';
export * from './onnx-signature';
export * from './flux2-encoders';
export * from './onnx-base-model';
export * from './tiny-onnx-model';
