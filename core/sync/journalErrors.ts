/** Per-file errors with ×5 backoff (25 s → 2 min → 10 min → 52 min → 4.3 h → 24 h), stored in the journal. */
import type { RetryClass } from '../common/errors.ts';
import type { Journal } from './journal.ts';

/** First retry delay. */
export const ERROR_BACKOFF_BASE_MS = 25_000;
/** Longest retry delay. */
export const ERROR_BACKOFF_MAX_MS = 86_400_000;

/** Delay after the `retryCount`-th failure (1-based): 25 s × 5^(n-1), capped at 24 h; 'fatal' errors wait the maximum. */
export function errorBackoffMs(retryCount: number, retryClass: RetryClass = 'retry'): number {
  if (retryClass === 'fatal') return ERROR_BACKOFF_MAX_MS;
  return Math.min(ERROR_BACKOFF_MAX_MS, ERROR_BACKOFF_BASE_MS * 5 ** Math.max(0, retryCount - 1));
}

/** A failure to record. */
export interface FileFailure {
  code: string;
  message: string;
  retryClass: RetryClass;
  /** Retry at this time instead of the backoff (e.g. "file changed during upload": soon). */
  retryAt?: number;
  /** How the user can fix it (shown with the file). */
  hint?: string;
}

/** Records a failure: the row becomes 'error' (created if missing) and gets the next retry time, which is returned. */
export function recordFileError(journal: Journal, folderId: string, path: string, failure: FileFailure): number {
  const now = journal.clock.now();
  return journal.transaction(() => {
    const previous = journal.statement('SELECT retry_count FROM errors WHERE folder_id = ? AND path = ?').get(folderId, path) as { retry_count: number } | undefined;
    const retryCount = (previous?.retry_count ?? 0) + 1;
    const nextRetryAt = failure.retryAt ?? now + errorBackoffMs(retryCount, failure.retryClass);
    journal
      .statement(
        `INSERT INTO errors(folder_id, path, code, message, retry_class, retry_count, last_try_at, next_retry_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(folder_id, path) DO UPDATE SET code = excluded.code, message = excluded.message, retry_class = excluded.retry_class,
           retry_count = excluded.retry_count, last_try_at = excluded.last_try_at, next_retry_at = excluded.next_retry_at`,
      )
      .run(folderId, path, failure.code, failure.message, failure.retryClass, retryCount, now, nextRetryAt);
    const hint = failure.hint ?? null;
    const updated = journal.statement("UPDATE files SET state = 'error', error_code = ?, error_message = ?, error_hint = ? WHERE folder_id = ? AND path = ?").run(failure.code, failure.message, hint, folderId, path);
    if (Number(updated.changes) === 0) {
      journal.statement("INSERT INTO files(folder_id, path, size, mtime_ms, state, error_code, error_message, error_hint) VALUES (?, ?, 0, 0, 'error', ?, ?, ?)").run(folderId, path, failure.code, failure.message, hint);
    }
    return nextRetryAt;
  });
}

/** Forgets the error of a path (the row's state is left to the caller). */
export function clearFileError(journal: Journal, folderId: string, path: string): void {
  journal.statement('DELETE FROM errors WHERE folder_id = ? AND path = ?').run(folderId, path);
}

/** Paths whose retry time has come. */
export function dueErrorPaths(journal: Journal, folderId: string, now: number): string[] {
  return journal.statement('SELECT path FROM errors WHERE folder_id = ? AND next_retry_at <= ? ORDER BY next_retry_at').all(folderId, now).map((row) => String((row as { path: string }).path));
}

/** The earliest pending retry time of the folder, if any. */
export function nextErrorRetryAt(journal: Journal, folderId: string): number | undefined {
  const row = journal.statement('SELECT min(next_retry_at) AS next FROM errors WHERE folder_id = ?').get(folderId) as { next: number | null };
  return row.next ?? undefined;
}

/** Number of errors of the folder. */
export function errorCount(journal: Journal, folderId: string): number {
  return Number((journal.statement('SELECT count(*) AS n FROM errors WHERE folder_id = ?').get(folderId) as { n: number }).n);
}

/** Makes every error of the folder due now (the user's "retry failed files"); returns how many. */
export function retryAllErrors(journal: Journal, folderId: string): number {
  return Number(journal.statement('UPDATE errors SET next_retry_at = 0 WHERE folder_id = ?').run(folderId).changes);
}
