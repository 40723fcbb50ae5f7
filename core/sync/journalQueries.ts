/** Read-side journal queries for the UI (O(1) counts, paged file list, activity) and the capped activity log. */
import type { FileRow, Journal } from './journal.ts';
import { encryptionFromColumns } from './journal.ts';
import type { ActivityEvent, FileState } from './syncStatus.ts';

/** Count and bytes per file state, read from the trigger-maintained table. */
export type FileCounts = Record<FileState, { count: number; bytes: number }>;

const allStates: FileState[] = ['queued', 'uploading', 'synced', 'identical', 'excluded', 'error', 'deleted-locally'];

/** O(1) per-state numbers of a folder. */
export function fileCounts(journal: Journal, folderId: string): FileCounts {
  const counts = Object.fromEntries(allStates.map((state) => [state, { count: 0, bytes: 0 }])) as FileCounts;
  for (const row of journal.statement('SELECT state, count, bytes FROM file_counts WHERE folder_id = ?').all(folderId)) {
    const r = row as { state: FileState; count: number; bytes: number };
    counts[r.state] = { count: Number(r.count), bytes: Number(r.bytes) };
  }
  return counts;
}

/** Query of the UI file list. */
export interface FileListQuery {
  offset?: number;
  /** Default 100, at most 1,000. */
  limit?: number;
  /** Only these states. */
  states?: FileState[];
  /** Substring of the path (case-insensitive for ASCII). */
  search?: string;
}

/** One page of files ordered by path, and the total matching the filter. */
export function listFiles(journal: Journal, folderId: string, query: FileListQuery = {}): { total: number; rows: FileRow[] } {
  const where = ['f.folder_id = ?'];
  const parameters: (string | number)[] = [folderId];
  if (query.states && query.states.length > 0) {
    where.push(`f.state IN (${query.states.map(() => '?').join(', ')})`);
    parameters.push(...query.states);
  }
  if (query.search) {
    where.push("f.path LIKE ? ESCAPE '\\'");
    parameters.push(`%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  const clause = where.join(' AND ');
  const total = Number((journal.db.prepare(`SELECT count(*) AS n FROM files f WHERE ${clause}`).get(...parameters) as { n: number }).n);
  const limit = Math.min(1000, Math.max(1, query.limit ?? 100));
  const rows = journal.db
    .prepare(`SELECT f.*, e.next_retry_at FROM files f LEFT JOIN errors e ON e.folder_id = f.folder_id AND e.path = f.path WHERE ${clause} ORDER BY f.path LIMIT ? OFFSET ?`)
    .all(...parameters, limit, Math.max(0, query.offset ?? 0))
    .map((row) => {
      const r = row as Record<string, unknown>;
      const n = (value: unknown): number | undefined => (value === null || value === undefined ? undefined : Number(value));
      const s = (value: unknown): string | undefined => (value === null || value === undefined ? undefined : String(value));
      return {
        path: String(r.path),
        size: Number(r.size),
        mtimeMs: Number(r.mtime_ms),
        inode: n(r.inode),
        crc64: s(r.crc64),
        state: r.state as FileState,
        remoteEtag: s(r.remote_etag),
        encryption: encryptionFromColumns(r.encryption, r.kms_key_id),
        nextRetryAt: n(r.next_retry_at),
        reason: s(r.reason),
        verifiedAt: n(r.verified_at),
        uploadedAt: n(r.uploaded_at),
        errorCode: s(r.error_code),
        errorMessage: s(r.error_message),
        errorHint: s(r.error_hint),
      };
    });
  return { total, rows };
}

/** Appends to the activity log, pruning it to the journal's cap every 100 rows. Returns the row id. */
export function addActivity(journal: Journal, event: ActivityEvent): number {
  const result = journal
    .statement('INSERT INTO activity(at, folder_id, path, action, bytes, detail, hint) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(event.at, event.folderId, event.path, event.action, event.bytes ?? null, event.detail ?? null, event.hint ?? null);
  const id = Number(result.lastInsertRowid);
  if (id % 100 === 0) pruneActivity(journal);
  return id;
}

/** Deletes all but the newest `journal.activityCap` activity rows. */
export function pruneActivity(journal: Journal): void {
  journal.statement('DELETE FROM activity WHERE id <= (SELECT max(id) FROM activity) - ?').run(journal.activityCap);
}

/** Newest-first activity, optionally of one folder, before a given id (for paging). */
export function listActivity(journal: Journal, query: { folderId?: string; limit?: number; beforeId?: number } = {}): ActivityEvent[] {
  const rows = journal
    .statement('SELECT * FROM activity WHERE (? IS NULL OR folder_id = ?) AND id < ? ORDER BY id DESC LIMIT ?')
    .all(query.folderId ?? null, query.folderId ?? null, query.beforeId ?? Number.MAX_SAFE_INTEGER, Math.min(1000, query.limit ?? 100));
  return rows.map((row) => {
    const r = row as Record<string, unknown>;
    const event: ActivityEvent = { id: Number(r.id), at: Number(r.at), folderId: String(r.folder_id), path: String(r.path), action: r.action as ActivityEvent['action'] };
    if (r.bytes !== null) event.bytes = Number(r.bytes);
    if (r.detail !== null) event.detail = String(r.detail);
    if (r.hint !== null && r.hint !== undefined) event.hint = String(r.hint);
    return event;
  });
}
