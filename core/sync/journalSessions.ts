/** Resumable multipart sessions in the journal: saved before the first part, each part as it finishes. */
import type { FileStamp, Journal } from './journal.ts';
import type { UploadSession } from './remoteStore.ts';

/** A stored session with the identity of the file it belongs to. */
export interface StoredSession {
  session: UploadSession;
  stamp: FileStamp;
  createdAt: number;
}

/** Starts (or replaces) the session of a path. */
export function saveUploadSession(journal: Journal, folderId: string, path: string, session: { uploadId: string; partSize: number }, stamp: FileStamp): void {
  journal.transaction(() => {
    journal.statement('DELETE FROM upload_sessions WHERE folder_id = ? AND path = ?').run(folderId, path);
    journal
      .statement('INSERT INTO upload_sessions(folder_id, path, upload_id, part_size, size, mtime_ms, inode, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(folderId, path, session.uploadId, session.partSize, stamp.size, stamp.mtimeMs, stamp.inode ?? null, journal.clock.now());
  });
}

/** Records one finished part. */
export function saveUploadPart(journal: Journal, folderId: string, path: string, part: { partNumber: number; etag: string; crc64: string; size: number }): void {
  journal
    .statement('INSERT OR REPLACE INTO upload_parts(folder_id, path, part_number, etag, crc64, size) VALUES (?, ?, ?, ?, ?, ?)')
    .run(folderId, path, part.partNumber, part.etag, part.crc64, part.size);
}

/** The stored session of a path, with its parts in order, or undefined. */
export function loadUploadSession(journal: Journal, folderId: string, path: string): StoredSession | undefined {
  const row = journal.statement('SELECT * FROM upload_sessions WHERE folder_id = ? AND path = ?').get(folderId, path) as Record<string, unknown> | undefined;
  if (!row) return undefined;
  const parts = journal
    .statement('SELECT part_number, etag, crc64, size FROM upload_parts WHERE folder_id = ? AND path = ? ORDER BY part_number')
    .all(folderId, path)
    .map((part) => {
      const p = part as Record<string, unknown>;
      return { partNumber: Number(p.part_number), etag: String(p.etag), crc64: String(p.crc64), size: Number(p.size) };
    });
  return {
    session: { uploadId: String(row.upload_id), partSize: Number(row.part_size), parts },
    stamp: { size: Number(row.size), mtimeMs: Number(row.mtime_ms), inode: row.inode === null ? undefined : Number(row.inode) },
    createdAt: Number(row.created_at),
  };
}

/** Forgets the session of a path (its parts cascade). */
export function deleteUploadSession(journal: Journal, folderId: string, path: string): void {
  journal.statement('DELETE FROM upload_sessions WHERE folder_id = ? AND path = ?').run(folderId, path);
}
