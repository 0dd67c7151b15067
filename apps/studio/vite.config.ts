import react from '@vitejs/plugin-react';
import { defineConfig, runnerImport, type Plugin } from 'vite';

// The contract package ships TypeScript sources, which Node cannot load as the config's plain dependency; Vite's module
// runner transforms them as it would any source file.
const { module: csp } = await runnerImport<typeof import('@lora-studio/api/csp')>('@lora-studio/api/csp');
const { CONTENT_SECURITY_POLICY } = csp;

/** One policy for the page, the host's header and the Electron window; a <meta> cannot carry frame-ancestors. */
function contentSecurityPolicy(): Plugin {
  const policy = CONTENT_SECURITY_POLICY.split('; ').filter((d) => !d.startsWith('frame-ancestors')).join('; ');
  return { name: 'lora-studio-csp', transformIndexHtml: (html) => html.replace('%LORA_STUDIO_CSP%', policy) };
}

// The root comes from the command line (`vite build apps/studio`).
// base './' lets the same build load from file: inside Electron and over HTTP from the host.
export default defineConfig({
  base: './',
  plugins: [react(), contentSecurityPolicy()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The renderer ships inside the app: no source maps that leak build paths.
    sourcemap: false,
    target: 'es2022',
  },
});
