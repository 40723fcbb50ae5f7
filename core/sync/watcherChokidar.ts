/** The chokidar-backed Watcher (the only file that imports chokidar). */
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { WatchEvent, Watcher, WatcherFactory } from './watcher.ts';

/**
 * Watches `root` with chokidar: ignoreInitial (the start-up full scan covers existing files), no stat, no
 * awaitWriteFinish (the Aggregator handles hot files), symlinks not followed, ignored trees pruned.
 */
export const createChokidarWatcher: WatcherFactory = ({ root, isIgnored }) => {
  const listeners: ((event: WatchEvent) => void)[] = [];
  let watcher: FSWatcher | undefined;
  const emit = (event: WatchEvent): void => {
    for (const listener of listeners) listener(event);
  };
  const relative = (absolute: string): string => path.relative(root, absolute).split(path.sep).join('/');
  const watcherApi: Watcher = {
    on(listener) {
      listeners.push(listener);
    },
    async start() {
      if (watcher) return;
      const current = watch(root, {
        ignoreInitial: true,
        alwaysStat: false,
        awaitWriteFinish: false,
        followSymlinks: false,
        ignorePermissionErrors: true,
        ignored: (absolute, stats) => {
          const rel = relative(absolute);
          if (rel === '' || rel.startsWith('..')) return false;
          return isIgnored(rel, stats ? stats.isDirectory() : undefined);
        },
      });
      watcher = current;
      for (const type of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) {
        current.on(type, (absolute: string) => {
          const rel = relative(absolute);
          if (rel !== '' && !rel.startsWith('..')) emit({ type, path: rel });
        });
      }
      current.on('error', (error) => emit({ type: 'error', error }));
      await new Promise<void>((resolve) => current.once('ready', () => resolve()));
    },
    async close() {
      const current = watcher;
      watcher = undefined;
      listeners.length = 0;
      await current?.close();
    },
  };
  return watcherApi;
};
