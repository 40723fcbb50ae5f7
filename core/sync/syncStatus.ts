/** The status model: folder states, per-file states and the typed events the SyncManager emits. */
import type { ConfirmedEncryption } from './remoteStore.ts';

/** Journal state of one file. */
export type FileState = 'queued' | 'uploading' | 'synced' | 'identical' | 'excluded' | 'error' | 'deleted-locally';

/** A folder problem shown to the user, with a fix hint. */
export interface FolderProblem {
  code: string;
  message: string;
  hint?: string;
}

/** What a folder is doing. */
export type FolderStatus =
  | { state: 'idle' }
  | { state: 'scanning'; done: number; total: number }
  | { state: 'syncing'; filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number; rate: number; etaSeconds: number | undefined }
  | { state: 'paused' }
  | { state: 'offline'; since: number; nextProbeAt: number }
  | ({ state: 'error'; nextProbeAt?: number } & FolderProblem)
  | { state: 'confirm-deletes'; count: number };

/** A folder's status plus a non-blocking warning (e.g. the watcher is unreliable and rescans replace it). */
export type FolderStatusEvent = FolderStatus & { folderId: string; warning?: FolderProblem };

/** Per-file status change. */
export type FileStatusEvent = { folderId: string; path: string } & (
  | { state: 'queued' }
  | { state: 'uploading'; percent: number }
  | { state: 'synced'; encryption: ConfirmedEncryption }
  | { state: 'identical'; encryption?: ConfirmedEncryption }
  | { state: 'excluded'; reason: string }
  | { state: 'error'; message: string; hint?: string; nextRetryAt: number }
  | { state: 'deleted-locally' }
  | { state: 'deleted-remote' }
);

/** Kinds of activity log entries. */
export type ActivityAction = 'uploaded' | 'identical' | 'copied' | 'moved' | 'deleted-remote' | 'backed-up' | 'overwrote-different' | 'error' | 'encryption-verified';

/** One activity log entry (also stored, capped, in the journal). */
export interface ActivityEvent {
  id?: number;
  at: number;
  folderId: string;
  path: string;
  action: ActivityAction;
  bytes?: number;
  detail?: string;
  /** How to fix it (error entries). */
  hint?: string;
}

/** Events of the SyncManager (`manager.on('folder-status', …)`). */
export interface SyncManagerEvents {
  'folder-status': [FolderStatusEvent];
  'file-status': [FileStatusEvent];
  activity: [ActivityEvent];
  /** Anything unexpected that is not tied to one file; the loop keeps going. */
  'loop-error': [{ folderId: string; error: unknown }];
}

/** Emits one of the manager's events (how loops report to their manager). */
export type SyncEmit = <K extends keyof SyncManagerEvents>(event: K, ...args: SyncManagerEvents[K]) => void;
