/** Chooses the bridge the UI talks through: the Electron preload's `window.cosSync`, else HTTP + server-sent events. */
import type { CosSyncBridge } from '../../core/app/contract.ts';
import { createHttpBridge, type ConnectionState } from './httpBridge.ts';

declare global {
  interface Window {
    /** Exposed by the Electron preload through contextBridge. */
    cosSync?: CosSyncBridge;
  }
}

const connectionListeners = new Set<(state: ConnectionState) => void>();

/** The bridge of this window (one per page). */
export const bridge: CosSyncBridge = window.cosSync ?? createHttpBridge((state) => {
  for (const listener of connectionListeners) listener(state);
});

/** Hears connection changes of the browser bridge (never called in Electron, where IPC cannot drop). */
export function onConnectionChange(listener: (state: ConnectionState) => void): void {
  connectionListeners.add(listener);
}

/** A readable message and hint from any thrown value (contract errors carry `code`, `message`, `hint`). */
export function errorText(error: unknown): { message: string; hint?: string } {
  const value = error as { message?: unknown; hint?: unknown } | null;
  const message = typeof value?.message === 'string' ? value.message : String(error);
  return typeof value?.hint === 'string' ? { message, hint: value.hint } : { message };
}
