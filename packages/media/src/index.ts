export { importFiles, sweepOrphans, imagePaths, type ImportOptions, type ImportProgress } from './import';
export { DatasetCatalog, UnknownImages, InvalidCrop, type ImageQuery, type ImageSort } from './catalog';
export { ImageRows, type ImageRow } from './image-rows';
export { prepareImage, ImageRejected, type PreparedImage } from './prepare';
export { viewDataset } from './dataset';
export { imageFlags } from './flags';
export { THRESHOLDS, IMPORT_LIMITS, FLAG_REASONS } from './thresholds';
