/** Builds the `window.cosSync` bridge from an IPC renderer: exactly the contract's methods plus subscribe. */
import type { AppEvent, AppEventListener, CosSyncApi, CosSyncBridge, Unsubscribe } from '../../core/app/contract.ts';
import { apiMethods } from '../../core/app/apiMethods.ts';
import { eventChannel, invokeChannel, subscribeChannel } from '../main/channels.ts';

/** The slice of Electron's `ipcRenderer` the bridge needs (injected so tests run without Electron). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

/** Extra desktop helpers the preload adds (file paths of dropped files, a native folder picker). */
export interface DesktopHelpers {
  pathForFile(file: File): string | null;
  chooseFolder(): Promise<string | null>;
}

/** Rebuilds the contract's error fields, which the main process packs as JSON into the message. */
export function fromIpcError(error: unknown): Error {
  const text = error instanceof Error ? error.message : String(error);
  const start = text.indexOf('{');
  try {
    const info = JSON.parse(text.slice(start)) as { code: string; message: string; hint?: string; retry?: string };
    return Object.assign(new Error(info.message), info);
  } catch {
    return Object.assign(new Error(text), { code: 'InternalError' });
  }
}

/** Returns the bridge object the preload exposes with `contextBridge.exposeInMainWorld('cosSync', …)`. */
export function createBridge(ipc: IpcRendererLike, helpers: DesktopHelpers): CosSyncBridge {
  const api = {} as Record<keyof CosSyncApi, (...args: unknown[]) => Promise<unknown>>;
  for (const method of apiMethods) {
    api[method] = (...args: unknown[]) => ipc.invoke(invokeChannel, method, args).catch((error: unknown) => Promise.reject(fromIpcError(error)));
  }
  const subscribe = (listener: AppEventListener): Unsubscribe => {
    const handler = (_event: unknown, payload: unknown): void => listener(payload as AppEvent);
    ipc.on(eventChannel, handler);
    ipc.send(subscribeChannel);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      ipc.removeListener(eventChannel, handler);
    };
  };
  return Object.freeze({
    ...(api as unknown as CosSyncApi),
    kind: 'desktop' as const,
    subscribe,
    pathForFile: (file: File) => helpers.pathForFile(file),
    chooseFolder: () => helpers.chooseFolder(),
  });
}
