// Compare, generate and export: the checkpoint grid, scores per checkpoint, text-to-image, LoRA/config/dataset export.
export * from './checkpoint-lora';
export * from './renderer';
export * from './wild-prompts';
export * from './grid';
export * from './grid-image';
export * from './image-features';
export * from './scores';
export * from './generate';
export * from './export-lora';
export * from './export-extras';
