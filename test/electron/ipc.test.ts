/** The IPC forwarding and the preload bridge expose exactly the contract, and refuse bad senders and arguments. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppEvent, CosSyncService } from '../../core/app/contract.ts';
import { apiMethods } from '../../core/app/apiMethods.ts';
import { registerIpc, type IpcEventLike, type IpcSender } from '../../electron/main/ipc.ts';
import { createBridge, fromIpcError } from '../../electron/preload/bridge.ts';
import { eventChannel, invokeChannel, subscribeChannel } from '../../electron/main/channels.ts';
import { secureWebPreferences } from '../../electron/main/webPreferences.ts';
import { notificationFor } from '../../electron/main/notifications.ts';

type Handler = (event: IpcEventLike, ...args: unknown[]) => unknown;

/** A stand-in for Electron's ipcMain/ipcRenderer pair (the Electron binary cannot run here). */
function fakeIpc() {
  const handlers = new Map<string, Handler>();
  const listeners = new Map<string, Handler>();
  const rendererListeners = new Map<string, ((event: unknown, payload: unknown) => void)[]>();
  const sender: IpcSender & { destroyedListeners: (() => void)[] } = {
    id: 7,
    destroyedListeners: [],
    send: (channel, payload) => (rendererListeners.get(channel) ?? []).forEach((listener) => listener({}, payload)),
    isDestroyed: () => false,
    once: (_event, listener) => sender.destroyedListeners.push(listener),
  };
  let frameUrl = 'file:///app/renderer/dist/index.html';
  const event = (): IpcEventLike => ({ sender, senderFrame: { url: frameUrl } });
  const ipcMain = {
    handle: (channel: string, handler: Handler) => void handlers.set(channel, handler),
    on: (channel: string, listener: Handler) => listeners.set(channel, listener),
    removeHandler: (channel: string) => void handlers.delete(channel),
    removeAllListeners: (channel: string) => listeners.delete(channel),
  };
  const ipcRenderer = {
    invoke: async (channel: string, ...args: unknown[]) => {
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      try {
        return await handler(event(), ...args);
      } catch (error) {
        // Electron passes only the message across, prefixed like this.
        throw new Error(`Error invoking remote method '${channel}': ${String(error)}`, { cause: error });
      }
    },
    send: (channel: string, ...args: unknown[]) => listeners.get(channel)?.(event(), ...args),
    on: (channel: string, listener: (event: unknown, payload: unknown) => void) => rendererListeners.set(channel, [...(rendererListeners.get(channel) ?? []), listener]),
    removeListener: (channel: string, listener: (event: unknown, payload: unknown) => void) =>
      rendererListeners.set(channel, (rendererListeners.get(channel) ?? []).filter((existing) => existing !== listener)),
  };
  return { ipcMain, ipcRenderer, handlers, setFrameUrl: (url: string) => (frameUrl = url) };
}

function fakeService() {
  const calls: [string, unknown[]][] = [];
  const listeners = new Set<(event: AppEvent) => void>();
  const service = new Proxy({} as Record<string, unknown>, {
    get(_target, name: string) {
      if (name === 'on') return (listener: (event: AppEvent) => void) => (listeners.add(listener), () => listeners.delete(listener));
      if (name === 'getSnapshot') return async () => ({ sequence: 1 });
      if (name === 'removeFolder') return async (...args: unknown[]) => {
        calls.push([name, args]);
        throw Object.assign(new Error('No folder with id x.'), { code: 'NoSuchFolder', hint: 'Refresh the window.' });
      };
      return async (...args: unknown[]) => (calls.push([name, args]), { ok: name });
    },
  }) as unknown as CosSyncService;
  return { service, calls, emit: (event: AppEvent) => listeners.forEach((listener) => listener(event)) };
}

describe('Electron IPC and preload bridge', () => {
  it('the bridge exposes exactly the contract methods plus the bridge helpers', () => {
    const { ipcRenderer } = fakeIpc();
    const bridge = createBridge(ipcRenderer, { pathForFile: () => null, chooseFolder: async () => null });
    assert.deepEqual(Object.keys(bridge).sort(), [...apiMethods, 'kind', 'subscribe', 'pathForFile', 'chooseFolder'].sort());
    assert.ok(Object.isFrozen(bridge));
  });

  it('forwards calls with their arguments and returns results', async () => {
    const { ipcMain, ipcRenderer } = fakeIpc();
    const { service, calls } = fakeService();
    const dispose = registerIpc(ipcMain, service, { isTrustedUrl: (url) => url.startsWith('file:///app/renderer/dist/'), chooseFolder: async () => null });
    const bridge = createBridge(ipcRenderer, { pathForFile: () => null, chooseFolder: async () => null });
    assert.deepEqual(await bridge.pauseFolder('f1'), { ok: 'pauseFolder' });
    await bridge.listFiles({ folderId: 'f1', offset: 0, limit: 50 });
    assert.deepEqual(calls, [['pauseFolder', ['f1']], ['listFiles', [{ folderId: 'f1', offset: 0, limit: 50 }]]]);
    dispose();
  });

  it('rejects untrusted frames, unknown methods and malformed arguments without calling the service', async () => {
    const { ipcMain, ipcRenderer, setFrameUrl } = fakeIpc();
    const { service, calls } = fakeService();
    registerIpc(ipcMain, service, { isTrustedUrl: (url) => url.startsWith('file:///app/renderer/dist/'), chooseFolder: async () => null });
    const bridge = createBridge(ipcRenderer, { pathForFile: () => null, chooseFolder: async () => null });
    await assert.rejects(bridge.listFiles({ folderId: 'f1', offset: -1, limit: 50 }), (error: Error & { code?: string }) => error.code === 'InvalidArgument');
    await assert.rejects(bridge.pauseFolder(42 as unknown as string), (error: Error & { code?: string }) => error.code === 'InvalidArgument');
    await assert.rejects(ipcRenderer.invoke(invokeChannel, 'constructor', []), /InvalidArgument/);
    await assert.rejects(ipcRenderer.invoke(invokeChannel, '__proto__', []), /InvalidArgument/);
    setFrameUrl('https://evil.example/');
    await assert.rejects(bridge.pauseAll(), (error: Error & { code?: string }) => error.code === 'AccessDenied');
    assert.deepEqual(calls, []);
  });

  it('carries error codes and hints across IPC', async () => {
    const { ipcMain, ipcRenderer } = fakeIpc();
    const { service } = fakeService();
    registerIpc(ipcMain, service, { isTrustedUrl: () => true, chooseFolder: async () => null });
    const bridge = createBridge(ipcRenderer, { pathForFile: () => null, chooseFolder: async () => null });
    await assert.rejects(bridge.removeFolder('x'), (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'NoSuchFolder');
      assert.equal(error.message, 'No folder with id x.');
      assert.equal(error.hint, 'Refresh the window.');
      return true;
    });
    assert.equal(fromIpcError(new Error('garbage')).message, 'garbage');
  });

  it('subscribers get a snapshot first, then service events; unsubscribe stops them', async () => {
    const { ipcMain, ipcRenderer } = fakeIpc();
    const { service, emit } = fakeService();
    registerIpc(ipcMain, service, { isTrustedUrl: () => true, chooseFolder: async () => null });
    const bridge = createBridge(ipcRenderer, { pathForFile: () => null, chooseFolder: async () => null });
    const received: AppEvent[] = [];
    const unsubscribe = bridge.subscribe((event) => received.push(event));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(received[0]?.type, 'snapshot-changed');
    emit({ type: 'throughput', sample: { at: 1, bytesPerSecond: 2 } });
    assert.equal(received.length, 2);
    unsubscribe();
    emit({ type: 'throughput', sample: { at: 2, bytesPerSecond: 3 } });
    assert.equal(received.length, 2);
    assert.equal(typeof subscribeChannel, 'string');
    assert.equal(typeof eventChannel, 'string');
  });

  it('windows are created isolated, sandboxed and without Node', () => {
    const preferences = secureWebPreferences('/app/preload.cjs');
    assert.equal(preferences.contextIsolation, true);
    assert.equal(preferences.sandbox, true);
    assert.equal(preferences.nodeIntegration, false);
    assert.equal(preferences.webviewTag, false);
    assert.equal(preferences.preload, '/app/preload.cjs');
  });

  it('notifies folder errors and finished manual uploads only', () => {
    assert.deepEqual(notificationFor({ type: 'folder-status', folderId: 'f', status: { kind: 'error', code: 'AccessDenied', message: 'Access was denied.', hint: 'Check the key.' } }), { title: 'COS Sync needs attention', body: 'Access was denied. Check the key.' });
    assert.equal(notificationFor({ type: 'folder-status', folderId: 'f', status: { kind: 'idle', lastSyncedAt: null } }), null);
    assert.equal(notificationFor({ type: 'upload-finished', uploadId: 'u', results: [], remaining: 2 }), null);
    assert.match(notificationFor({ type: 'upload-finished', uploadId: 'u', results: [{ index: 0, key: 'k', ok: false, code: 'X', message: 'no' }], remaining: 0 })!.title, /errors/);
  });
});
