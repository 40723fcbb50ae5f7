/** E2E helper: serves the built renderer (renderer/dist) over the real web host with any service. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CosSyncService } from '../../core/app/contract.ts';
import { startWebHost, type WebHost } from '../../core/web/startWebHost.ts';

/** The built renderer, relative to the repository root (tests run from the root). */
export const rendererDist = path.resolve('renderer/dist');

/** Throws a clear message when the renderer has not been built yet. */
export function requireRendererBuild(): void {
  if (!existsSync(path.join(rendererDist, 'index.html'))) throw new Error('renderer/dist is missing: run `npm run build` first.');
}

/** Starts the web host on 127.0.0.1:0 for `service`; the caller closes it. */
export function startUiHost(service: CosSyncService): Promise<WebHost> {
  requireRendererBuild();
  return startWebHost({ service, staticDir: rendererDist });
}
