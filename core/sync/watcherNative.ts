/** A Watcher on node:fs.watch: one watch per directory (Linux) or one recursive watch (macOS, Windows); no per-file watches. */
import { type FSWatcher, watch } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { WatchEvent, Watcher, WatcherFactory } from './watcher.ts';

/** Options besides the factory's. */
export interface NativeWatcherOptions {
  /** One recursive fs.watch on the root instead of one per directory. Default: true on macOS and Windows. */
  recursive?: boolean;
}

/**
 * Creates the fs.watch backend. It reports `change` for files that exist after an event, `unlink` for files that
 * are gone, `addDir` / `unlinkDir` for directories (starting or closing their watches); the aggregator and scanner
 * treat kinds as hints and stat every path anyway. An event without a file name becomes `overflow` (rescan).
 * Compared with chokidar it costs one inotify watch per directory instead of one per file.
 */
export function nativeWatcherFactory(options: NativeWatcherOptions = {}): WatcherFactory {
  const recursive = options.recursive ?? (process.platform === 'darwin' || process.platform === 'win32');
  return ({ root, isIgnored }) => {
    const listeners: ((event: WatchEvent) => void)[] = [];
    const watches = new Map<string, FSWatcher>();
    let closed = false;
    const emit = (event: WatchEvent): void => {
      if (!closed) for (const listener of listeners) listener(event);
    };
    const join = (directory: string, name: string): string => (directory === '' ? name : `${directory}/${name}`);

    const watchDirectory = (relative: string): boolean => {
      if (closed || watches.has(relative)) return true;
      try {
        const handle = watch(path.join(root, relative), { persistent: true, recursive }, (_type, name) => {
          if (name === null || name === undefined) return emit({ type: 'overflow', reason: 'fs.watch event without a file name' });
          void classify(join(relative, String(name).split(path.sep).join('/')));
        });
        handle.on('error', (error: NodeJS.ErrnoException) => {
          unwatchTree(relative);
          if (error.code !== 'ENOENT' && error.code !== 'EPERM') emit({ type: 'error', error });
        });
        watches.set(relative, handle);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') emit({ type: 'error', error });
        return false;
      }
    };

    const watchTree = async (relative: string): Promise<void> => {
      if (recursive) {
        if (relative === '') watchDirectory('');
        return;
      }
      const pending = [relative];
      while (pending.length > 0) {
        // close() may run while readdir is awaited.
        if (closed) return;
        const directory = pending.pop()!;
        if (!watchDirectory(directory)) continue;
        const children = await readdir(path.join(root, directory), { withFileTypes: true }).catch(() => []);
        for (const child of children) {
          const childPath = join(directory, child.name);
          if (child.isDirectory() && !isIgnored(childPath, true)) pending.push(childPath);
        }
      }
    };

    const unwatchTree = (relative: string): void => {
      for (const [directory, handle] of watches) {
        if (relative === '' || directory === relative || directory.startsWith(`${relative}/`)) {
          handle.close();
          watches.delete(directory);
        }
      }
    };

    const classify = async (relative: string): Promise<void> => {
      const stats = await lstat(path.join(root, relative)).catch(() => undefined);
      if (closed) return;
      if (!stats) {
        if (!recursive && watches.has(relative)) {
          unwatchTree(relative);
          emit({ type: 'unlinkDir', path: relative });
        } else emit({ type: 'unlink', path: relative });
        return;
      }
      if (stats.isDirectory()) {
        if (isIgnored(relative, true)) return;
        if (recursive) return emit({ type: 'addDir', path: relative });
        if (!watches.has(relative)) {
          await watchTree(relative);
          emit({ type: 'addDir', path: relative });
        }
        return;
      }
      if (!isIgnored(relative, false)) emit({ type: 'change', path: relative });
    };

    const watcher: Watcher = {
      on(listener) {
        listeners.push(listener);
      },
      async start() {
        await watchTree('');
      },
      async close() {
        closed = true;
        unwatchTree('');
        listeners.length = 0;
      },
    };
    return watcher;
  };
}
