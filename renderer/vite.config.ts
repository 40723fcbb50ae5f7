/** Vite build of the renderer: two pages (status, upload) into renderer/dist, CSP-friendly output. */
import { defineConfig } from 'vite';

const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root,
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'chrome130',
    // The polyfill would be an inline-free module anyway, but Chromium (Electron 45) needs none.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { index: `${root}index.html`, upload: `${root}upload.html` },
    },
  },
  server: { host: '127.0.0.1' },
});
