/** The public API of core/sync, for core/app (import from here; internal files may move). */
export { SyncManager, type SyncManagerOptions } from './syncManager.ts';
export { FolderLoop, type FolderLoopOptions } from './folderLoop.ts';
export { type DeletePolicy, type FolderConfig, IGNORE_FILE, MARKER_FILE, normalisePrefix, PROBE_KEY, resolveFolderConfig, TRASH_PREFIX } from './folderConfig.ts';
export type { ConfirmedEncryption, RemoteStore, StoredObject, UploadRequest, UploadSession } from './remoteStore.ts';
export type { ActivityAction, ActivityEvent, FileState, FileStatusEvent, FolderProblem, FolderStatus, FolderStatusEvent, SyncManagerEvents } from './syncStatus.ts';
export { type FileRow, Journal, type JournalEntry, type JournalOptions } from './journal.ts';
export { type FileCounts, type FileListQuery, fileCounts, listActivity, listFiles } from './journalQueries.ts';
export { type Action, type LocalEntry, plan, type PlanOptions, type RemoteEntry } from './planner.ts';
export { type Crc64File, scanFolder } from './scanner.ts';
export { DEFAULT_IGNORE_PATTERNS, IgnoreRules } from './ignoreRules.ts';
export { type ChangeKind, type WatchEvent, type Watcher, type WatcherFactory, WATCH_LIMIT_HINT } from './watcher.ts';
export { systemTimers, type Timers } from './timers.ts';
export { type NativeWatcherOptions, nativeWatcherFactory } from './watcherNative.ts';
