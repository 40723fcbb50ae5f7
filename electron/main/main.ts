/** Electron composition root: single instance, service, IPC, windows, tray, notifications. Kept short on purpose. */
import { app, dialog, ipcMain, BrowserWindow, Notification, safeStorage, session } from 'electron';
import Store from 'electron-store';
import path from 'node:path';
import { createAppService, createFileSecretStore, PRIVATE_FILE_MODE, recoverSettingsFile, settingsSchema, type AppService } from '../../core/index.ts';
import { caFileArgument } from './commandLine.ts';
import { registerIpc } from './ipc.ts';
import { createDesktopSecretStore } from './secretStore.ts';
import { createTray } from './tray.ts';
import { isRendererUrl, showWindow, type WindowKind } from './windows.ts';
import { notificationFor } from './notifications.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const paths = { rendererDir: path.join(root, 'renderer', 'dist'), preloadFile: path.join(root, 'electron', 'preload', 'build', 'preload.cjs') };
const windows = new Map<WindowKind, BrowserWindow>();
let service: AppService | undefined;
let quitting = false;

async function start(): Promise<void> {
  // The UI needs no camera, notifications-from-pages, geolocation or the like: refuse every permission request.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  // A damaged settings file would stop electron-store from opening: keep it aside and keep what is still valid first.
  const settingsProblem = recoverSettingsFile(path.join(app.getPath('userData'), 'settings.json'));
  const store = new Store<Record<string, unknown>>({ name: 'settings', schema: settingsSchema, configFileMode: PRIVATE_FILE_MODE });
  service = await createAppService({
    dataDir: app.getPath('userData'),
    mode: 'desktop',
    defaultFolder: path.join(app.getPath('home'), 'COS Sync'),
    secrets: await createDesktopSecretStore({ safeStorage, store, fileStore: createFileSecretStore(app.getPath('userData')), platform: process.platform }),
    settings: { read: () => store.store, write: (value) => store.set(value as unknown as Record<string, unknown>), problems: () => (settingsProblem ? [settingsProblem] : []) },
    ...(caFileArgument(process.argv) ? { caFile: caFileArgument(process.argv)! } : {}),
  });
  const running = service;
  registerIpc(ipcMain, running, {
    isTrustedUrl: (url) => isRendererUrl(url, paths.rendererDir),
    chooseFolder: async (sender) => {
      const owner = BrowserWindow.getAllWindows().find((window) => window.webContents.id === sender.id);
      const options = { properties: ['openDirectory' as const, 'createDirectory' as const] };
      const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
  });
  const tray = createTray(path.join(root, 'build', 'icons', 'tray.png'), {
    openStatus: () => showWindow('status', paths, windows),
    openUpload: () => showWindow('upload', paths, windows),
    pauseAll: () => void running.pauseAll(),
    resumeAll: () => void running.resumeAll(),
    quit: () => app.quit(),
  });
  running.on((event) => {
    if (event.type === 'snapshot-changed') tray.update(event.snapshot);
    const notice = notificationFor(event);
    if (notice && Notification.isSupported()) new Notification(notice).show();
  });
  // Start at login follows the setting; a changed setting arrives with the next snapshot.
  let openAtLogin: boolean | undefined;
  const applyLoginItem = async (): Promise<void> => {
    const wanted = (await running.getSettings()).general.startAtLogin;
    if (wanted !== openAtLogin) app.setLoginItemSettings({ openAtLogin: (openAtLogin = wanted) });
  };
  running.on((event) => {
    if (event.type === 'snapshot-changed') void applyLoginItem();
  });
  showWindow('status', paths, windows);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow('status', paths, windows));
  // Closing every window keeps syncing in the tray; only Quit stops the app.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    if (quitting || !service) return;
    event.preventDefault();
    quitting = true;
    void service.close().finally(() => app.quit());
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (navigation, url) => {
      if (!isRendererUrl(url, paths.rendererDir)) navigation.preventDefault();
    });
  });
  void app.whenReady().then(start).catch((error: unknown) => {
    dialog.showErrorBox('COS Sync could not start', error instanceof Error ? error.message : String(error));
    app.exit(1);
  });
}
