/** Maps sync's internal status, journal rows and activity to the contract's views. */
import type { ActivityEntry, EncryptionInfo, FileRow, FileStatus, FolderStatus } from './contract.ts';
import type { FileRow as JournalFileRow } from '../sync/journal.ts';
import type { ConfirmedEncryption } from '../sync/remoteStore.ts';
import type { ActivityEvent, FolderStatus as SyncFolderStatus } from '../sync/syncStatus.ts';

/** The contract's folder status for sync's status (`since` is when the folder entered it). */
export function folderStatusView(status: SyncFolderStatus, since: number, lastSyncedAt: number | null): FolderStatus {
  switch (status.state) {
    case 'idle':
      return { kind: 'idle', lastSyncedAt };
    case 'scanning':
      return { kind: 'scanning', done: status.done, total: status.total > 0 ? status.total : null };
    case 'syncing':
      return {
        kind: 'syncing',
        filesDone: status.filesDone,
        filesTotal: status.filesTotal,
        bytesDone: status.bytesDone,
        bytesTotal: status.bytesTotal,
        rate: status.rate,
        etaSeconds: status.etaSeconds ?? null,
      };
    case 'paused':
      return { kind: 'paused', since };
    case 'offline':
      return { kind: 'offline', since: status.since, nextProbeAt: status.nextProbeAt };
    case 'error':
      return { kind: 'error', code: status.code, message: status.message, ...(status.hint ? { hint: status.hint } : {}) };
    case 'confirm-deletes':
      return { kind: 'confirm-deletes', count: status.count };
  }
}

/** The badge data of a stored object's encryption; null when nothing is stored. */
export function encryptionView(encryption: ConfirmedEncryption | undefined, verifiedAt: number | undefined, stored: boolean, checksumVerified: boolean): EncryptionInfo | null {
  if (!encryption) return stored ? { algorithm: 'unknown', verifiedAt: null, checksumVerified: false } : null;
  const view: EncryptionInfo = { algorithm: encryption.algorithm, verifiedAt: verifiedAt ?? null, checksumVerified };
  if (encryption.algorithm === 'cos/kms' && encryption.kmsKeyId) view.kmsKeyId = encryption.kmsKeyId;
  return view;
}

/** A journal row as a file-list row; `percent` comes from live upload progress. */
export function fileRowView(row: JournalFileRow, percent: number | undefined): FileRow {
  let status: FileStatus;
  switch (row.state) {
    case 'uploading':
      status = { state: 'uploading', percent: percent ?? 0 };
      break;
    case 'synced':
      status = { state: 'synced', syncedAt: row.uploadedAt ?? row.verifiedAt ?? row.mtimeMs };
      break;
    case 'excluded':
      status = { state: 'excluded', reason: row.reason ?? 'excluded' };
      break;
    case 'error':
      status = { state: 'error', code: row.errorCode ?? 'Error', message: row.errorMessage ?? 'The upload failed.', ...(row.errorHint ? { hint: row.errorHint } : {}), nextRetryAt: row.nextRetryAt ?? null };
      break;
    default:
      status = { state: row.state };
  }
  const stored = row.remoteEtag !== undefined || row.state === 'synced' || row.state === 'identical';
  const checksumVerified = row.state === 'synced' || row.state === 'identical';
  return { path: row.path, size: row.size, modifiedAt: row.mtimeMs, status, encryption: encryptionView(row.encryption, row.verifiedAt ?? row.uploadedAt, stored, checksumVerified) };
}

// Decimal units like every other size in the UI (renderer/src/format.ts); a no-break space keeps "19 B" on one line.
const formatBytes = (bytes: number | undefined): string => {
  if (bytes === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return ` (${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)}\u00a0${units[unit]})`;
};

const actionSentences: Record<string, (path: string, size: string) => string> = {
  uploaded: (path, size) => `Uploaded ${path}${size}`,
  identical: (path) => `${path} was already stored with the same content`,
  copied: (path) => `Copied ${path} on the server`,
  moved: (path) => `Moved ${path} on the server`,
  'deleted-remote': (path) => `Deleted the stored copy of ${path}`,
  'backed-up': (path) => `Moved the stored copy of ${path} to the backup prefix`,
  'overwrote-different': (path) => `Replaced a different stored version of ${path}`,
  error: (path) => `Could not sync ${path}`,
  'encryption-verified': (path) => `Verified the encryption of ${path}`,
  'manual-upload': (path, size) => `Uploaded ${path}${size} from the upload window`,
  'manual-upload-failed': (path) => `Could not upload ${path} from the upload window`,
  restored: (path, size) => `Restored an older version of ${path}${size} on the server`,
  engine: (path) => path,
  settings: (path) => path,
  offline: (path) => path,
  online: (path) => path,
};

/** App-level actions whose `path` column holds the whole sentence. */
const messageActions = new Set(['engine', 'settings', 'offline', 'online']);

/** A readable activity line for a journal activity row. */
export function activityView(event: Omit<ActivityEvent, 'action'> & { action: string }): ActivityEntry {
  const sentence = actionSentences[event.action] ?? ((path: string) => `${event.action}: ${path}`);
  const failed = event.action === 'error' || event.action === 'manual-upload-failed';
  const text = sentence(event.path, formatBytes(event.bytes)) + (event.detail ? ` — ${event.detail}` : '');
  const message = /[.!?]$/.test(text) ? text : `${text}.`;
  const entry: ActivityEntry = {
    id: String(event.id ?? 0),
    at: event.at,
    level: failed ? 'error' : event.action === 'overwrote-different' || event.action === 'offline' ? 'warn' : 'info',
    folderId: event.folderId === '' ? null : event.folderId,
    message,
  };
  if (event.path && !messageActions.has(event.action)) entry.path = event.path;
  if (event.hint) entry.hint = event.hint;
  return entry;
}
