// Builds the web UI into dist/, which the portal serves (hashed assets cached for a year, index.html never).
import { defineConfig } from 'vite';

export default defineConfig({
  // JSX through Preact's automatic runtime (read from tsconfig.json's jsxImportSource as well).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Under the portal's CSP every asset is a file of its own: no data: URLs for small ones.
    assetsInlineLimit: 0,
    // Every supported browser has <link rel="modulepreload">: no polyfill script.
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
    chunkSizeWarningLimit: 600,
  },
});
