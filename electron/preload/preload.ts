/** Preload (sandboxed, bundled to CJS): exposes exactly the contract as `window.cosSync` through contextBridge. */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createBridge } from './bridge.ts';
import { chooseFolderChannel } from '../main/channels.ts';

contextBridge.exposeInMainWorld(
  'cosSync',
  createBridge(ipcRenderer, {
    pathForFile: (file) => webUtils.getPathForFile(file) || null,
    chooseFolder: () => ipcRenderer.invoke(chooseFolderChannel) as Promise<string | null>,
  }),
);
