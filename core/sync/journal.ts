/** The sync journal: node:sqlite (WAL) holding per-file state, upload sessions, errors with backoff and activity. */
import { makePrivateDatabase } from '../common/privateFiles.ts';
import { migrate as migrateSchema } from '../common/schemaMigrations.ts';
import { inTransaction, statementCache } from '../common/statementCache.ts';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Clock } from '../common/clock.ts';
import { systemClock } from '../common/clock.ts';
import { journalMigrations } from './journalMigrations.ts';
import type { ConfirmedEncryption } from './remoteStore.ts';
import type { FileState } from './syncStatus.ts';

/** A journal row as the planner sees it. */
export interface JournalEntry {
  path: string;
  size: number;
  mtimeMs: number;
  inode: number | undefined;
  /** CRC-64 of the local content described by size/mtime/inode (for synced rows also the remote's). */
  crc64: string | undefined;
  state: FileState;
  remoteEtag?: string | undefined;
  encryption?: ConfirmedEncryption | undefined;
  /** When an 'error' row may be retried. */
  nextRetryAt?: number | undefined;
}

/** The columns of a row that tell whether its file changed (a full scan reads only these for every row). */
export type JournalStamp = Pick<JournalEntry, 'path' | 'size' | 'mtimeMs' | 'inode' | 'crc64' | 'state'>;

/** A row of the UI file list. */
export interface FileRow extends JournalEntry {
  reason: string | undefined;
  verifiedAt: number | undefined;
  uploadedAt: number | undefined;
  errorCode: string | undefined;
  errorMessage: string | undefined;
  /** How to fix the error, when known. */
  errorHint: string | undefined;
}

/** File identity used to decide whether a session may be resumed. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  inode: number | undefined;
}

/** Options of {@link Journal.open}. */
export interface JournalOptions {
  clock?: Clock;
  /** Activity rows kept (oldest pruned). Default 10,000. */
  activityCap?: number;
  /** Migrations to apply (tests use a prefix to build older versions). Default: all. */
  migrations?: readonly string[];
}

type Row = Record<string, unknown>;
const str = (value: unknown): string | undefined => (value === null || value === undefined ? undefined : String(value));
const num = (value: unknown): number | undefined => (value === null || value === undefined ? undefined : Number(value));

/** Encryption as stored in two columns. */
export function encryptionFromColumns(algorithm: unknown, kmsKeyId: unknown): ConfirmedEncryption | undefined {
  if (algorithm === 'AES256' || algorithm === 'none') return { algorithm };
  if (algorithm === 'cos/kms') return kmsKeyId ? { algorithm, kmsKeyId: String(kmsKeyId) } : { algorithm };
  if (algorithm === 'SSE-C') return { algorithm, keyMd5: String(kmsKeyId ?? '') };
  return undefined;
}

function encryptionColumns(encryption: ConfirmedEncryption | undefined): [string | null, string | null] {
  if (!encryption) return [null, null];
  if (encryption.algorithm === 'cos/kms') return [encryption.algorithm, encryption.kmsKeyId ?? null];
  if (encryption.algorithm === 'SSE-C') return [encryption.algorithm, encryption.keyMd5];
  return [encryption.algorithm, null];
}

/** Applies the missing journal migrations to `db` (each in its own transaction); returns the resulting version. */
export function migrate(db: DatabaseSync, migrations: readonly string[] = journalMigrations): number {
  return migrateSchema(db, migrations, 'journal');
}

/** Maps a `files` row to a {@link FileRow}. */
function toFileRow(row: Row): FileRow {
  return {
    path: String(row.path),
    size: Number(row.size),
    mtimeMs: Number(row.mtime_ms),
    inode: num(row.inode),
    crc64: str(row.crc64),
    state: row.state as FileState,
    remoteEtag: str(row.remote_etag),
    encryption: encryptionFromColumns(row.encryption, row.kms_key_id),
    nextRetryAt: num(row.next_retry_at),
    reason: str(row.reason),
    verifiedAt: num(row.verified_at),
    uploadedAt: num(row.uploaded_at),
    errorCode: str(row.error_code),
    errorMessage: str(row.error_message),
    errorHint: str(row.error_hint),
  };
}

const selectFiles = 'SELECT f.*, e.next_retry_at FROM files f LEFT JOIN errors e ON e.folder_id = f.folder_id AND e.path = f.path';

/**
 * One database for the whole app; every row carries its folder id. Synchronous (node:sqlite) and used from the
 * main thread only; each FolderLoop touches only its own folder's rows. Call {@link close} when done.
 */
export class Journal {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly activityCap: number;
  readonly #prepare: (sql: string) => StatementSync;

  private constructor(db: DatabaseSync, options: JournalOptions) {
    this.db = db;
    this.#prepare = statementCache(db);
    this.clock = options.clock ?? systemClock;
    this.activityCap = options.activityCap ?? 10_000;
  }

  /** Opens (creating and migrating) the journal at `location` (a file path or ':memory:'). */
  static open(location: string, options: JournalOptions = {}): Journal {
    // Owner-only before SQLite creates anything: its WAL and SHM take the database file's mode.
    makePrivateDatabase(location);
    const db = new DatabaseSync(location);
    try {
      db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
      migrate(db, options.migrations);
    } catch (error) {
      db.close();
      throw error;
    }
    return new Journal(db, options);
  }

  /** Closes the database (idempotent). */
  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** A cached prepared statement. */
  statement(sql: string): StatementSync {
    return this.#prepare(sql);
  }

  /** Runs `work` in one transaction. */
  transaction<T>(work: () => T): T {
    return this.db.isTransaction ? work() : inTransaction(this.#prepare, 'BEGIN', work);
  }

  /** Makes sure the folder exists (rows reference it). */
  registerFolder(folderId: string, localPath: string): void {
    this.statement('INSERT INTO folders(folder_id, local_path, created_at) VALUES (?, ?, ?) ON CONFLICT(folder_id) DO UPDATE SET local_path = excluded.local_path').run(folderId, localPath, this.clock.now());
  }

  /** When the remote prefix was listed for the first sync, or undefined (list it before the first plan). */
  remoteListedAt(folderId: string): number | undefined {
    const row = this.statement('SELECT remote_listed_at FROM folders WHERE folder_id = ?').get(folderId) as Row | undefined;
    return num(row?.remote_listed_at);
  }

  /** Records that the first sync compared against the remote listing. */
  setRemoteListed(folderId: string): void {
    this.statement('UPDATE folders SET remote_listed_at = ? WHERE folder_id = ?').run(this.clock.now(), folderId);
  }

  /** Deletes every row of the folder (files, sessions, errors, counts); activity stays. */
  forgetFolder(folderId: string): void {
    this.statement('DELETE FROM folders WHERE folder_id = ?').run(folderId);
  }

  /** Every row of the folder, for a full scan. */
  entries(folderId: string): JournalEntry[] {
    return this.statement(`${selectFiles} WHERE f.folder_id = ?`).all(folderId).map((row) => toFileRow(row as Row));
  }

  /**
   * The stamp columns of every row of the folder in path order (SQLite BINARY: UTF-8 bytes), for the merged full
   * scan. Read a page at a time by key, as arrays and without the errors join (ten times cheaper than whole rows at
   * 100,000 files), so that no statement stays open while the caller awaits and no more than one page is in memory.
   * {@link get} gives the whole row of a path that turns out to differ.
   */
  *stampsInPathOrder(folderId: string, pageSize = 2000): Generator<JournalStamp> {
    const columns = 'SELECT path, size, mtime_ms, inode, crc64, state FROM files WHERE folder_id = ?';
    const first = this.statement(`${columns} ORDER BY path LIMIT ?`);
    const after = this.statement(`${columns} AND path > ? ORDER BY path LIMIT ?`);
    first.setReturnArrays(true);
    after.setReturnArrays(true);
    let last: string | undefined;
    for (;;) {
      const page = (last === undefined ? first.all(folderId, pageSize) : after.all(folderId, last, pageSize)) as unknown as unknown[][];
      for (const [path, size, mtimeMs, inode, crc64, state] of page) {
        yield { path: String(path), size: Number(size), mtimeMs: Number(mtimeMs), inode: num(inode), crc64: str(crc64), state: state as FileState };
      }
      if (page.length < pageSize) return;
      last = String(page.at(-1)![0]);
    }
  }

  /** Rows for exactly these paths and for everything under these directories. */
  entriesUnder(folderId: string, paths: readonly string[], directories: readonly string[]): JournalEntry[] {
    const found = new Map<string, JournalEntry>();
    const one = this.statement(`${selectFiles} WHERE f.folder_id = ? AND f.path = ?`);
    // '0' is the character after '/', so [dir/, dir0) is exactly the subtree.
    const under = this.statement(`${selectFiles} WHERE f.folder_id = ? AND f.path >= ? AND f.path < ?`);
    for (const path of paths) {
      const row = one.get(folderId, path);
      if (row) found.set(path, toFileRow(row as Row));
    }
    for (const directory of directories) {
      const rows = directory === '' ? this.entries(folderId) : under.all(folderId, `${directory}/`, `${directory}0`).map((row) => toFileRow(row as Row));
      for (const row of rows) found.set(row.path, row);
    }
    return [...found.values()];
  }

  /** Whether any row of the folder with remote content (a possible copy or move source) has this size. */
  hasContentOfSize(folderId: string, size: number): boolean {
    return this.statement("SELECT 1 FROM files WHERE folder_id = ? AND size = ? AND state IN ('synced', 'identical', 'deleted-locally') LIMIT 1").get(folderId, size) !== undefined;
  }

  /** Rows whose remote holds content of this size and CRC-64 (move/copy sources outside a partial scan). */
  entriesWithContent(folderId: string, size: number, crc64: string): JournalEntry[] {
    return this.statement(`${selectFiles} WHERE f.folder_id = ? AND f.size = ? AND f.crc64 = ? AND f.state IN ('synced', 'identical', 'deleted-locally') LIMIT 20`).all(folderId, size, crc64).map((row) => toFileRow(row as Row));
  }

  /** One row, or undefined. */
  get(folderId: string, path: string): FileRow | undefined {
    const row = this.statement(`${selectFiles} WHERE f.folder_id = ? AND f.path = ?`).get(folderId, path);
    return row ? toFileRow(row as Row) : undefined;
  }

  /** Creates or updates a row with the given state and local identity (remote columns kept). */
  setLocal(folderId: string, path: string, state: FileState, stamp: FileStamp, crc64: string | undefined, reason?: string): void {
    this.statement(
      `INSERT INTO files(folder_id, path, size, mtime_ms, inode, crc64, state, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(folder_id, path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, inode = excluded.inode,
         crc64 = excluded.crc64, state = excluded.state, reason = excluded.reason`,
    ).run(folderId, path, stamp.size, stamp.mtimeMs, stamp.inode ?? null, crc64 ?? null, state, reason ?? null);
  }

  /** Changes only the state of an existing row. */
  setState(folderId: string, path: string, state: FileState): void {
    this.statement('UPDATE files SET state = ? WHERE folder_id = ? AND path = ?').run(state, folderId, path);
  }

  /** Records content the remote is confirmed to hold (uploaded, copied or found identical); clears the error. */
  markRemote(folderId: string, path: string, state: 'synced' | 'identical', stamp: FileStamp, remote: { crc64: string; etag: string; encryption: ConfirmedEncryption | undefined; uploaded: boolean }): void {
    const now = this.clock.now();
    const [algorithm, kmsKeyId] = encryptionColumns(remote.encryption);
    this.transaction(() => {
      this.statement(
        `INSERT INTO files(folder_id, path, size, mtime_ms, inode, crc64, remote_etag, encryption, kms_key_id, state, verified_at, uploaded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(folder_id, path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, inode = excluded.inode, crc64 = excluded.crc64,
           remote_etag = excluded.remote_etag, encryption = excluded.encryption, kms_key_id = excluded.kms_key_id, state = excluded.state,
           verified_at = excluded.verified_at, uploaded_at = coalesce(excluded.uploaded_at, files.uploaded_at), reason = NULL, error_code = NULL, error_message = NULL, error_hint = NULL`,
      ).run(folderId, path, stamp.size, stamp.mtimeMs, stamp.inode ?? null, remote.crc64, remote.etag, algorithm, kmsKeyId, state, remote.encryption ? now : null, remote.uploaded ? now : null);
      this.statement('DELETE FROM errors WHERE folder_id = ? AND path = ?').run(folderId, path);
    });
  }

  /** Stores the encryption a background HEAD confirmed. */
  setVerified(folderId: string, path: string, encryption: ConfirmedEncryption): void {
    const [algorithm, kmsKeyId] = encryptionColumns(encryption);
    this.statement('UPDATE files SET encryption = ?, kms_key_id = ?, verified_at = ? WHERE folder_id = ? AND path = ?').run(algorithm, kmsKeyId, this.clock.now(), folderId, path);
  }

  /** Up to `limit` rows whose remote encryption was never confirmed. */
  unverified(folderId: string, limit: number): JournalEntry[] {
    return this.statement(`${selectFiles} WHERE f.folder_id = ? AND f.verified_at IS NULL AND f.state IN ('identical', 'synced') LIMIT ?`).all(folderId, limit).map((row) => toFileRow(row as Row));
  }

  /** Deletes a row (and its error and session). */
  remove(folderId: string, path: string): void {
    this.transaction(() => {
      this.statement('DELETE FROM files WHERE folder_id = ? AND path = ?').run(folderId, path);
      this.statement('DELETE FROM errors WHERE folder_id = ? AND path = ?').run(folderId, path);
      this.statement('DELETE FROM upload_sessions WHERE folder_id = ? AND path = ?').run(folderId, path);
    });
  }

  /** Rows left 'uploading' by a crash go back to 'queued' (their sessions stay, to resume). */
  resetInterrupted(folderId: string): number {
    return Number(this.statement("UPDATE files SET state = 'queued' WHERE folder_id = ? AND state = 'uploading'").run(folderId).changes);
  }
}
