/** Forwards the contract over IPC: validates the sender frame and every argument before calling the service. */
import type { AppEvent, CosSyncService } from '../../core/app/contract.ts';
import { apiArgumentShapes, checkArguments, isApiMethod } from '../../core/index.ts';
import { chooseFolderChannel, eventChannel, invokeChannel, subscribeChannel } from './channels.ts';

/** The sender of an IPC message, as much as the checks need. */
export interface IpcSender {
  id: number;
  send(channel: string, payload: unknown): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

/** An IPC event, as much as the checks need. */
export interface IpcEventLike {
  sender: IpcSender;
  senderFrame: { url: string } | null;
}

/** The slice of Electron's `ipcMain` used here (injected so tests run without Electron). */
export interface IpcMainLike {
  handle(channel: string, handler: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
  on(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => void): unknown;
  removeHandler(channel: string): void;
  removeAllListeners(channel: string): unknown;
}

/** Options for {@link registerIpc}. */
export interface IpcOptions {
  /** True for frames of our own windows (file URL of the built renderer). */
  isTrustedUrl(url: string): boolean;
  /** Opens a native folder picker for the sender's window. */
  chooseFolder(sender: IpcSender): Promise<string | null>;
}

/** An error as it crosses IPC: Electron keeps only `message`, so the contract fields travel inside it as JSON. */
function toIpcError(error: unknown): Error {
  const source = error as { code?: unknown; message?: unknown; hint?: unknown; retry?: unknown };
  const info = {
    code: typeof source?.code === 'string' ? source.code : 'InternalError',
    message: typeof source?.message === 'string' ? source.message : String(error),
    ...(typeof source?.hint === 'string' ? { hint: source.hint } : {}),
    ...(typeof source?.retry === 'string' ? { retry: source.retry } : {}),
  };
  return new Error(JSON.stringify(info));
}

/** Registers the handlers; returns a function that removes them and all subscriptions. */
export function registerIpc(ipcMain: IpcMainLike, service: CosSyncService, options: IpcOptions): () => void {
  const trusted = (event: IpcEventLike): boolean => event.senderFrame !== null && options.isTrustedUrl(event.senderFrame.url);
  const subscribers = new Map<number, IpcSender>();

  ipcMain.handle(invokeChannel, async (event, method, args) => {
    if (!trusted(event)) throw toIpcError({ code: 'AccessDenied', message: 'This window may not use COS Sync.' });
    if (typeof method !== 'string' || !isApiMethod(method)) throw toIpcError({ code: 'InvalidArgument', message: `Unknown method ${String(method)}.` });
    const problem = checkArguments(args, apiArgumentShapes[method]);
    if (problem !== null) throw toIpcError({ code: 'InvalidArgument', message: problem });
    try {
      const call = service[method] as (...values: unknown[]) => Promise<unknown>;
      return await call.apply(service, args as unknown[]);
    } catch (error) {
      throw toIpcError(error);
    }
  });

  ipcMain.handle(chooseFolderChannel, async (event) => {
    if (!trusted(event)) throw toIpcError({ code: 'AccessDenied', message: 'This window may not use COS Sync.' });
    return options.chooseFolder(event.sender);
  });

  ipcMain.on(subscribeChannel, (event) => {
    if (!trusted(event) || subscribers.has(event.sender.id)) return;
    subscribers.set(event.sender.id, event.sender);
    event.sender.once('destroyed', () => subscribers.delete(event.sender.id));
    void service.getSnapshot().then((snapshot) => {
      if (!event.sender.isDestroyed()) event.sender.send(eventChannel, { type: 'snapshot-changed', snapshot } satisfies AppEvent);
    });
  });

  const unsubscribe = service.on((appEvent) => {
    for (const [id, sender] of subscribers) {
      if (sender.isDestroyed()) subscribers.delete(id);
      else sender.send(eventChannel, appEvent);
    }
  });

  return () => {
    unsubscribe();
    subscribers.clear();
    ipcMain.removeHandler(invokeChannel);
    ipcMain.removeHandler(chooseFolderChannel);
    ipcMain.removeAllListeners(subscribeChannel);
  };
}
