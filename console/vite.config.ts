/**
 * The web console's build: `npm run build:console` (vite build console) writes console/dist,
 * which Quire serves at /console/. JSX is compiled for Preact by esbuild (no Babel); the module
 * preload polyfill would be an inline-free extra script, so it is off (every browser the console
 * supports has modulepreload).
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
    chunkSizeWarningLimit: 400,
  },
  logLevel: 'warn',
});
