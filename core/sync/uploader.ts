/** Uploads one file: re-stat before and after, resumable sessions in the journal, CRC-64 check, confirmed SSE recorded. */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { CosSyncError, retryClassOf } from '../common/errors.ts';
import { mtimeMetadata } from '../common/mtimeMetadata.ts';
import type { ExecutionContext } from './executionContext.ts';
import type { FileStamp } from './journal.ts';
import { recordFileError } from './journalErrors.ts';
import { addActivity } from './journalQueries.ts';
import { deleteUploadSession, loadUploadSession, saveUploadPart, saveUploadSession } from './journalSessions.ts';
import type { LocalFile, RemoteEntry } from './planner.ts';
import type { ActivityEvent } from './syncStatus.ts';
import type { UploadSession } from './remoteStore.ts';

/**
 * Outcome of one upload: uploaded / identical; changed (the file changed or vanished since the scan: rescan the path —
 * any content the server confirmed is recorded first); failed (error recorded). Halting errors are thrown.
 */
export type UploadOutcome = 'uploaded' | 'identical' | 'changed' | 'failed';

const sameStamp = (a: FileStamp, b: FileStamp): boolean => a.size === b.size && a.mtimeMs === b.mtimeMs && a.inode === b.inode;

/** Below this size a file goes up in one PUT whose row is not marked 'uploading' in the journal first. */
const SMALL_UPLOAD_BYTES = 1024 * 1024;

/** Current stamp of a path, or undefined when it is gone or no longer a regular file. */
export async function statStamp(absolute: string): Promise<FileStamp | undefined> {
  try {
    const stats = await lstat(absolute);
    return stats.isFile() ? { size: stats.size, mtimeMs: stats.mtimeMs, inode: stats.ino } : undefined;
  } catch {
    return undefined;
  }
}

/** Appends an activity entry to the journal's capped log and emits it. */
export function recordActivity(context: ExecutionContext, event: Omit<Parameters<ExecutionContext['emitActivity']>[0], 'at' | 'folderId'>): void {
  const full = { at: context.clock.now(), folderId: context.folderId, ...event };
  full.id = addActivity(context.journal, full);
  context.emitActivity(full);
}

/** Records a per-file failure (backoff) and tells the UI. */
export function failFile(context: ExecutionContext, filePath: string, error: unknown, retryAt?: number): void {
  const code = error instanceof CosSyncError ? error.code : ((error as { code?: string } | null)?.code ?? 'Error');
  const message = error instanceof Error ? error.message : String(error);
  const hint = error instanceof CosSyncError ? error.hint : undefined;
  const nextRetryAt = recordFileError(context.journal, context.folderId, filePath, { code, message, retryClass: retryClassOf(error), ...(retryAt === undefined ? {} : { retryAt }), ...(hint ? { hint } : {}) });
  context.emitFile({ folderId: context.folderId, path: filePath, state: 'error', message, ...(hint ? { hint } : {}), nextRetryAt });
  recordActivity(context, { path: filePath, action: 'error', detail: `${code}: ${message}`, ...(hint ? { hint } : {}) });
}

/** Re-stats after a failed or mismatching upload: when the file changed, records a soon retry and drops the session. */
async function changedSince(context: ExecutionContext, absolute: string, filePath: string, stamp: FileStamp): Promise<boolean> {
  const after = await statStamp(absolute);
  if (after && sameStamp(after, stamp)) return false;
  // Never record a CRC for content that changed while it was read: retry soon with a fresh scan.
  deleteUploadSession(context.journal, context.folderId, filePath);
  failFile(context, filePath, new CosSyncError('FileChanged', 'The file changed while it was uploaded; it will be uploaded again.', { retry: 'retry' }), context.clock.now() + (context.changedRetryMs ?? 10_000));
  return true;
}

/**
 * Uploads `file` to `prefix + path`. Throws only for halting errors (retry class 'auth', 'offline', 'cancelled'),
 * after putting the row back to 'queued'; every other failure is recorded with backoff and returns 'failed'.
 */
export async function uploadOne(context: ExecutionContext, file: LocalFile, replaces?: RemoteEntry): Promise<UploadOutcome> {
  const { journal, folderId, store, signal } = context;
  const absolute = path.join(context.root, file.path);
  const key = context.prefix + file.path;
  const stamp: FileStamp = { size: file.size, mtimeMs: file.mtimeMs, inode: file.inode };
  const before = await statStamp(absolute);
  if (!before || !sameStamp(before, stamp)) return 'changed';

  try {
    if (replaces && replaces.size === file.size && replaces.crc64 === undefined && file.crc64 !== undefined) {
      // First sync into a non-empty prefix: the listing had no CRC, so ask before overwriting.
      const head = await store.headObject(key, signal);
      if (head && head.crc64 === file.crc64 && head.size === file.size) {
        journal.markRemote(folderId, file.path, 'identical', stamp, { crc64: file.crc64, etag: head.etag, encryption: head.encryption, uploaded: false });
        context.emitFile({ folderId, path: file.path, state: 'identical', ...(head.encryption ? { encryption: head.encryption } : {}) });
        recordActivity(context, { path: file.path, action: 'identical', bytes: file.size });
        return 'identical';
      }
    }

    const stored = loadUploadSession(journal, folderId, file.path);
    let resume: UploadSession | undefined;
    if (stored && sameStamp(stored.stamp, stamp)) resume = stored.session;
    else if (stored) deleteUploadSession(journal, folderId, file.path);

    // A small file's upload lasts one round trip: its row stays 'queued' (what a crash would reset it to anyway) and
    // only the event says 'uploading' — one journal write less per file.
    if (resume || file.size >= SMALL_UPLOAD_BYTES) journal.setLocal(folderId, file.path, 'uploading', stamp, file.crc64);
    context.emitFile({ folderId, path: file.path, state: 'uploading', percent: 0 });
    await context.bandwidth?.settle(signal);
    let sent = 0;
    let percent = 0;
    let sessionStarted = false;
    const result = await store.uploadFile(key, absolute, {
      size: file.size,
      metadata: mtimeMetadata(file.mtimeMs),
      ...(resume ? { resume } : {}),
      signal,
      onSession: (session) => {
        sessionStarted = true;
        saveUploadSession(journal, folderId, file.path, session, stamp);
      },
      onPart: async (part) => {
        saveUploadPart(journal, folderId, file.path, part);
        await context.bandwidth?.settle(signal);
      },
      onProgress: (bytesSent) => {
        const delta = bytesSent - sent;
        sent = bytesSent;
        context.bandwidth?.consume(delta);
        context.onBytes(delta);
        const now = file.size === 0 ? 100 : Math.floor((bytesSent * 100) / file.size);
        if (now !== percent) {
          percent = now;
          context.emitFile({ folderId, path: file.path, state: 'uploading', percent });
        }
      },
    });

    if (file.crc64 === undefined) {
      // Not read before (nothing to compare with): the CRC-64 computed while sending is the file's, if it held still.
      if (await changedSince(context, absolute, file.path, stamp)) return 'changed';
    } else if (result.crc64 !== file.crc64) {
      if (await changedSince(context, absolute, file.path, stamp)) return 'changed';
      deleteUploadSession(journal, folderId, file.path);
      failFile(context, file.path, new CosSyncError('Crc64Mismatch', `The server's CRC-64 (${result.crc64}) differs from the local file's (${file.crc64}).`, { retry: 'retry' }));
      return 'failed';
    }
    // The confirmed upload is journaled in the same turn as its answer (a later commit let a rename right after the
    // upload be seen before the row said synced: a copy instead of a move), then reported as synced.
    let activity: ActivityEvent | undefined;
    journal.transaction(() => {
      journal.markRemote(folderId, file.path, 'synced', stamp, { crc64: result.crc64, etag: result.etag, encryption: result.encryption, uploaded: true });
      if (stored || sessionStarted) deleteUploadSession(journal, folderId, file.path);
      activity = { at: context.clock.now(), folderId, path: file.path, action: 'uploaded', bytes: file.size, detail: result.encryption.algorithm };
      activity.id = addActivity(journal, activity);
    });
    context.emitFile({ folderId, path: file.path, state: 'synced', encryption: result.encryption });
    context.emitActivity(activity!);
    if (replaces && replaces.crc64 !== file.crc64) {
      recordActivity(context, { path: file.path, action: 'overwrote-different', detail: `replaced a remote object that differed (etag ${replaces.etag}${replaces.crc64 ? `, crc64 ${replaces.crc64}` : ''})` });
    }
    // The server holds exactly the scanned content (its CRC matched), recorded with the scanned stamp; if the file
    // moved or changed meanwhile, the next scan of the path sees a different stamp and handles it.
    const after = await statStamp(absolute);
    return after && sameStamp(after, stamp) ? 'uploaded' : 'changed';
  } catch (error) {
    const retry = signal.aborted ? 'cancelled' : retryClassOf(error);
    if (retry === 'cancelled' || retry === 'auth' || retry === 'offline') {
      journal.setLocal(folderId, file.path, 'queued', stamp, file.crc64);
      context.emitFile({ folderId, path: file.path, state: 'queued' });
      throw error;
    }
    if (await changedSince(context, absolute, file.path, stamp)) return 'changed';
    if (retry === 'fatal') deleteUploadSession(journal, folderId, file.path);
    failFile(context, file.path, error);
    return 'failed';
  }
}

