/** The status and upload windows, locked down per Electron's security checklist. */
import { BrowserWindow, shell, type WebContents } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { secureWebPreferences } from './webPreferences.ts';

/** Which page a window shows. */
export type WindowKind = 'status' | 'upload';

/** Where the built renderer and preload live. */
export interface WindowPaths {
  rendererDir: string;
  preloadFile: string;
}

const pages: Record<WindowKind, { file: string; width: number; height: number; title: string }> = {
  status: { file: 'index.html', width: 1100, height: 760, title: 'COS Sync' },
  upload: { file: 'upload.html', width: 760, height: 620, title: 'COS Sync — Upload' },
};

/** True when `url` is one of our own renderer pages. */
export function isRendererUrl(url: string, rendererDir: string): boolean {
  const root = pathToFileURL(rendererDir + path.sep).href;
  return url.startsWith(root);
}

function lockDown(contents: WebContents, paths: WindowPaths, open: Map<WindowKind, BrowserWindow>): void {
  contents.on('will-navigate', (event, url) => {
    if (!isRendererUrl(url, paths.rendererDir)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Our own pages open as our own locked-down windows; https links go to the browser; nothing else opens.
    if (isRendererUrl(url, paths.rendererDir)) showWindow(new URL(url).pathname.endsWith('/upload.html') ? 'upload' : 'status', paths, open);
    else if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

/** Opens (or focuses) the window of `kind`. */
export function showWindow(kind: WindowKind, paths: WindowPaths, open: Map<WindowKind, BrowserWindow>): BrowserWindow {
  const existing = open.get(kind);
  if (existing && !existing.isDestroyed()) {
    existing.show();
    existing.focus();
    return existing;
  }
  const page = pages[kind];
  const window = new BrowserWindow({
    width: page.width,
    height: page.height,
    title: page.title,
    show: false,
    backgroundColor: '#00000000',
    webPreferences: secureWebPreferences(paths.preloadFile),
  });
  lockDown(window.webContents, paths, open);
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => open.delete(kind));
  void window.loadFile(path.join(paths.rendererDir, page.file));
  open.set(kind, window);
  return window;
}
