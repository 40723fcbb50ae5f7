/** Builds what the app ships: the renderer with Vite into renderer/dist (later steps: main, preload). */
import { build } from 'vite';

const started = performance.now();
await build({ configFile: 'renderer/vite.config.ts', logLevel: 'warn' });
console.log(`renderer: built into renderer/dist in ${Math.round(performance.now() - started)} ms`);
await import('./buildElectron.ts');
