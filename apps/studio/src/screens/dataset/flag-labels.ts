import type { ImageFlagId } from '@lora-studio/api';

/** Short badge text for each flag (the full reason, in the guide's words, comes from the services). */
export const flagLabels: Record<ImageFlagId, { badge: string; name: string; severity: 'warning' | 'info' }> = {
  'low-resolution': { badge: '<512', name: 'Low resolution (< 512 px)', severity: 'warning' },
  'below-1024': { badge: '<1024', name: 'Below 1024 px', severity: 'info' },
  blurry: { badge: 'Blurry', name: 'Blurry', severity: 'warning' },
  overexposed: { badge: 'Bright', name: 'Overexposed', severity: 'info' },
  underexposed: { badge: 'Dark', name: 'Underexposed', severity: 'info' },
  'heavy-compression': { badge: 'JPEG', name: 'Heavy compression', severity: 'info' },
  'extreme-aspect': { badge: 'Aspect', name: 'Extreme aspect ratio', severity: 'info' },
  'uniform-background': { badge: 'Plain bg', name: 'Uniform background', severity: 'info' },
  'near-duplicate': { badge: 'Dup', name: 'Near-duplicate', severity: 'warning' },
  'text-overlay': { badge: 'Text', name: 'Text / watermark', severity: 'warning' },
  'no-face': { badge: 'No face', name: 'No face found', severity: 'warning' },
  'multiple-faces': { badge: 'Faces', name: 'More than one face', severity: 'warning' },
};
