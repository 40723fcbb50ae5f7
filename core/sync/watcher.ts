/** The Watcher interface (kept small so large folders can get a per-directory backend) and its limit error. */
import { CosSyncError } from '../common/errors.ts';

/** Kinds of path changes a watcher reports. */
export type ChangeKind = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

/** One watcher event; paths are relative to the folder root with '/' separators. */
export type WatchEvent = { type: ChangeKind; path: string } | { type: 'error'; error: unknown } | { type: 'overflow'; reason: string };

/** Watches one folder recursively. `start` resolves once watching is in place; `close` releases every handle. */
export interface Watcher {
  start(): Promise<void>;
  on(listener: (event: WatchEvent) => void): void;
  close(): Promise<void>;
}

/** Creates a watcher for a root; `isIgnored` (relative path; isDirectory when known) prunes ignored trees like .git. */
export type WatcherFactory = (options: { root: string; isIgnored: (relativePath: string, isDirectory: boolean | undefined) => boolean }) => Watcher;

/** The hint shown when the OS watch limit is reached. */
export const WATCH_LIMIT_HINT =
  'Raise the inotify watch limit: run `sudo sysctl fs.inotify.max_user_watches=524288` and persist it with `echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/60-cos-sync.conf`. Until then the folder is rescanned periodically.';

/** True for the errors that mean "the OS cannot give us more watches/handles" (ENOSPC, EMFILE, ENFILE). */
export function isWatchLimitError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EMFILE' || code === 'ENFILE';
}

/** The folder problem reported for a watch-limit error. */
export function watchLimitError(cause: unknown): CosSyncError {
  return new CosSyncError('WatcherLimit', 'The file watcher ran out of OS watches, so changes are found by periodic rescans only.', { retry: 'fatal', hint: WATCH_LIMIT_HINT, cause });
}
