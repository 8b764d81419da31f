// Builds the web UI into dist/, which the portal serves (hashed assets cached for a year, index.html never),
// with a service worker (vite-plugin-pwa / Workbox) that keeps the app and its assets on the device.
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  // JSX through Preact's automatic runtime (read from tsconfig.json's jsxImportSource as well).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [
    VitePWA({
      // A new build reaches a device on its next online visit: the new worker takes over at once
      // and the page reloads itself (the station's queue and settings are on the device, not in the page).
      registerType: 'autoUpdate',
      // Registered from our own module (virtual:pwa-register): no inline script under the CSP.
      injectRegister: false,
      manifest: {
        name: 'TixGo',
        short_name: 'TixGo',
        description: 'Check-in tiket di gerbang / ticket check-in at the gate',
        lang: 'id',
        start_url: '/station',
        scope: '/',
        display: 'standalone',
        background_color: '#f3f5f8',
        theme_color: '#1f3a5f',
        icons: [{ src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        // The whole app, the camera's QR decoder (.wasm) included, so the station opens with no network.
        globPatterns: ['**/*.{js,css,html,svg,wasm,webmanifest}'],
        maximumFileSizeToCacheInBytes: 3 * 1024 * 1024,
        navigateFallback: '/index.html',
        // The API and the service pages (the gate phones' certificate /ca.crt and its install page /ca
        // among them) are never answered from the cache.
        navigateFallbackDenylist: [
          /^\/api\//,
          /^\/docs/,
          /^\/openapi\.json/,
          /^\/health/,
          /^\/ready/,
          /^\/ca(?:$|[.?/])/,
        ],
        clientsClaim: true,
        skipWaiting: true,
        cleanupOutdatedCaches: true,
      },
    }),
  ],
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
