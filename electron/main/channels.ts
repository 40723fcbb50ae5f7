/** IPC channel names shared by the preload and the main process. */

/** Invokes a contract method: payload `(method, args[])`. */
export const invokeChannel = 'cos-sync:invoke';
/** Main → renderer events. */
export const eventChannel = 'cos-sync:event';
/** Renderer → main: start sending events to this window. */
export const subscribeChannel = 'cos-sync:subscribe';
/** Renderer → main: open a native folder picker. */
export const chooseFolderChannel = 'cos-sync:choose-folder';
