/** Bundles the Electron main process (ESM) and the sandboxed preload (one CJS file) with esbuild. */
import { build } from 'esbuild';

await build({
  entryPoints: ['electron/main/main.ts'],
  outfile: 'electron/main/build/main.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  external: ['electron'],
  sourcemap: true,
  // Bundled CommonJS dependencies still call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});

await build({
  entryPoints: ['electron/preload/preload.ts'],
  outfile: 'electron/preload/build/preload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'chrome140',
  external: ['electron'],
  logLevel: 'warning',
});
console.log('electron: main and preload bundled');
