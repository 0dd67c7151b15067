export const STUDIO_VERSION = '0.1.0';
