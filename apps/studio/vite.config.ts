import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The root comes from the command line (`vite build apps/studio`).
// base './' lets the same build load from file: inside Electron and over HTTP from the host.
export default defineConfig({
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The renderer ships inside the app: no source maps that leak build paths.
    sourcemap: false,
    target: 'es2022',
  },
});
