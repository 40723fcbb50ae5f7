/** The engine's metadata index: buckets, object versions, multipart uploads and blob segments in one node:sqlite database (WAL). */
import { makePrivateDatabase } from '../../common/privateFiles.ts';
import { inTransaction, statementCache } from '../../common/statementCache.ts';
import { open, type FileHandle } from 'node:fs/promises';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { migrate } from '../../common/schemaMigrations.ts';
import { indexMigrations } from './indexMigrations.ts';
import { bucketOf, segmentOf, tagsColumn, uploadOf, type BucketRow, type Row, type SegmentRow, type UploadRow, type VersioningState } from './indexRows.ts';
import { ObjectVersions } from './objectVersions.ts';

export type { BucketRow, ContentRecord, NewObject, ObjectRow, ObjectTag, SegmentRow, SseMode, SseRecord, UploadRow, VersioningState } from './indexRows.ts';
export { segmentOf } from './indexRows.ts';

/**
 * The index. Every method is synchronous and short; a method that changes several rows runs in one
 * transaction (the commit point of a write). Statements are prepared once and cached.
 */
export class EngineIndex {
  readonly db: DatabaseSync;
  readonly #prepare: (sql: string) => StatementSync;
  readonly #file: string;
  /** The versions of every object key (writes, deletes, listings). */
  readonly versions: ObjectVersions;

  /**
   * Opens (creating) the database at `file` in WAL mode with synchronous=FULL and applies the missing schema
   * migrations (an index of an older release is upgraded in place); `readOnly` for status readers. Throws
   * `SchemaTooNew` for an index written by a newer engine.
   */
  constructor(file: string, options: { readOnly?: boolean } = {}) {
    if (!options.readOnly) makePrivateDatabase(file);
    this.db = new DatabaseSync(file, { readOnly: options.readOnly ?? false, timeout: 5000 });
    this.#file = file;
    this.#prepare = statementCache(this.db);
    if (!options.readOnly) {
      this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF;');
      migrate(this.db, indexMigrations, 'engine index');
    }
    this.versions = new ObjectVersions(this.#prepare);
  }

  /** A cached prepared statement. */
  statement(sql: string): StatementSync {
    return this.#prepare(sql);
  }

  /** Runs `work` in one IMMEDIATE transaction; rolls back when it throws. */
  transaction<T>(work: () => T): T {
    return inTransaction(this.#prepare, 'BEGIN IMMEDIATE', work);
  }

  /**
   * Group commit: queues `work` and runs it, together with the other commits queued in the same turn of the
   * event loop, in one transaction (one fsync), each inside its own SAVEPOINT so one failing rolls back only
   * itself. Resolves after COMMIT (the commit point) and the WAL's fsync, in queue order; rejects with `work`'s
   * error.
   */
  commit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#queue.length === 1) setImmediate(() => this.#flush());
    });
  }

  #queue: { work: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = [];

  #flush(): void {
    const batch = this.#queue;
    this.#queue = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    // Prepared once: a batch runs 4 + 2 per commit of these, and compiling each every time showed in small-object profiles.
    const run = (sql: string): void => void this.#prepare(sql).run();
    try {
      // SQLite's own fsync (synchronous=FULL) would block the event loop for every commit; this one COMMIT writes the
      // WAL without it and the WAL is fsynced on the thread pool below, before any caller hears "committed".
      run('PRAGMA synchronous = NORMAL');
      run('BEGIN IMMEDIATE');
      for (const entry of batch) {
        run('SAVEPOINT engine_commit');
        try {
          outcomes.push({ ok: true, value: entry.work() });
          run('RELEASE engine_commit');
        } catch (error) {
          run('ROLLBACK TO engine_commit');
          run('RELEASE engine_commit');
          outcomes.push({ ok: false, error });
        }
      }
      run('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      for (const entry of batch) entry.reject(error);
      return;
    } finally {
      run('PRAGMA synchronous = FULL');
    }
    const settle = (): void =>
      batch.forEach((entry, index) => {
        const outcome = outcomes[index]!;
        if (outcome.ok) entry.resolve(outcome.value);
        else entry.reject(outcome.error);
      });
    this.#syncWal().then(settle, (error: unknown) => {
      for (const entry of batch) entry.reject(error);
    });
  }

  #wal: Promise<FileHandle> | undefined;

  /** fsync of the WAL file (it exists once the first transaction committed; its inode stays while the DB is open). */
  async #syncWal(): Promise<void> {
    this.#wal ??= open(`${this.#file}-wal`, 'r');
    await (await this.#wal).datasync();
  }

  /** Closes the database. */
  close(): void {
    if (this.db.isOpen) this.db.close();
    void this.#wal?.then((handle) => handle.close()).catch(() => {});
  }

  // Buckets.

  /** Current objects and their plaintext bytes, and noncurrent data versions and theirs, over every bucket. */
  stats(): { objects: number; bytes: number; noncurrentVersions: number; noncurrentBytes: number } {
    const row = this.statement(`SELECT coalesce(sum(noncurrent_since IS NULL), 0) AS objects, coalesce(sum(CASE WHEN noncurrent_since IS NULL THEN size END), 0) AS bytes,
      coalesce(sum(noncurrent_since IS NOT NULL), 0) AS versions, coalesce(sum(CASE WHEN noncurrent_since IS NOT NULL THEN size END), 0) AS version_bytes
      FROM objects WHERE delete_marker = 0`).get() as Row;
    return { objects: Number(row.objects), bytes: Number(row.bytes), noncurrentVersions: Number(row.versions), noncurrentBytes: Number(row.version_bytes) };
  }

  /** The bucket row, or undefined. */
  getBucket(name: string): BucketRow | undefined {
    const row = this.statement('SELECT * FROM buckets WHERE name = ?').get(name) as Row | undefined;
    return row && bucketOf(row);
  }

  /** Every bucket, by name. */
  listBuckets(): BucketRow[] {
    return (this.statement('SELECT * FROM buckets ORDER BY name').all() as Row[]).map(bucketOf);
  }

  /** Creates a bucket; returns false when it already exists. */
  createBucket(name: string, created: number, acl: string): boolean {
    return this.statement('INSERT OR IGNORE INTO buckets (name, created, acl) VALUES (?, ?, ?)').run(name, created, acl).changes === 1;
  }

  /** Sets the bucket ACL (`private`, `public-read`, …). */
  setBucketAcl(name: string, acl: string): void {
    this.statement('UPDATE buckets SET acl = ? WHERE name = ?').run(acl, name);
  }

  /** Sets (JSON) or clears (null) the bucket default encryption. */
  setBucketEncryption(name: string, encryption: string | null): void {
    this.statement('UPDATE buckets SET encryption = ? WHERE name = ?').run(encryption, name);
  }

  /** Sets the versioning state (`Enabled` or `Suspended`; a bucket never returns to unversioned). */
  setBucketVersioning(name: string, state: Exclude<VersioningState, null>): void {
    this.statement('UPDATE buckets SET versioning = ? WHERE name = ?').run(state, name);
  }

  /** Sets (JSON of the parsed rules) or clears (null) the bucket lifecycle configuration. */
  setBucketLifecycle(name: string, lifecycle: string | null): void {
    this.statement('UPDATE buckets SET lifecycle = ? WHERE name = ?').run(lifecycle, name);
  }

  /** True when the bucket holds any object version, delete marker or unfinished upload. */
  bucketInUse(name: string): boolean {
    return this.statement('SELECT 1 FROM objects WHERE bucket = ? LIMIT 1').get(name) !== undefined
      || this.statement('SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1').get(name) !== undefined;
  }

  /** Deletes the bucket row and its policy (callers check {@link bucketInUse} in the same transaction). */
  deleteBucket(name: string): void {
    this.statement('DELETE FROM buckets WHERE name = ?').run(name);
    this.statement('DELETE FROM bucket_policies WHERE bucket = ?').run(name);
  }

  /** The bucket's policy document as it was stored, or undefined. */
  getBucketPolicy(bucket: string): string | undefined {
    const row = this.statement('SELECT document FROM bucket_policies WHERE bucket = ?').get(bucket) as Row | undefined;
    return row ? (row.document as string) : undefined;
  }

  /** Stores (text) or removes (null) the bucket's policy document. */
  setBucketPolicy(bucket: string, document: string | null, updated: number): void {
    if (document === null) this.statement('DELETE FROM bucket_policies WHERE bucket = ?').run(bucket);
    else this.statement('INSERT INTO bucket_policies (bucket, document, updated) VALUES (?, ?, ?) ON CONFLICT(bucket) DO UPDATE SET document = excluded.document, updated = excluded.updated').run(bucket, document, updated);
  }

  // Segments.

  /**
   * Segments of an object version in read order, with the stored bytes of segments kept in the index: read in the
   * same synchronous call as the rows, so a read holds them even if the version is replaced or deleted meanwhile.
   */
  objectSegments(objectId: string): SegmentRow[] {
    return (this.statement('SELECT segments.*, inline_blobs.data AS inline_data FROM segments LEFT JOIN inline_blobs USING (blob_id) WHERE object_id = ? ORDER BY seq')
      .all(objectId) as Row[]).map(segmentOf);
  }

  /** Inserts a segment row (and its stored bytes when the segment is kept in the index). */
  insertSegment(segment: SegmentRow): void {
    if (segment.inline) this.statement('INSERT INTO inline_blobs (blob_id, data) VALUES (?, ?)').run(segment.blobId, segment.inline);
    this.statement(`INSERT INTO segments (blob_id, object_id, upload_id, part_number, seq, bucket, key, size, md5, crc64, modified, sealed_key,
      seal_key_id, seal_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      segment.blobId, segment.objectId, segment.uploadId, segment.partNumber, segment.seq, segment.bucket, segment.key, segment.size, segment.md5,
      segment.crc64, segment.modified, segment.sealedKey, segment.sealKeyId, segment.sealVersion,
    );
  }

  /** The segment row of a blob, or undefined. */
  getSegment(blobId: string): SegmentRow | undefined {
    const row = this.statement('SELECT * FROM segments WHERE blob_id = ?').get(blobId) as Row | undefined;
    return row && segmentOf(row);
  }

  /** Whether a blob id is referenced by any segment (orphan sweep). */
  hasBlob(blobId: string): boolean {
    return this.statement('SELECT 1 FROM segments WHERE blob_id = ?').get(blobId) !== undefined;
  }

  // Multipart uploads.

  /** The upload row, or undefined. */
  getUpload(uploadId: string): UploadRow | undefined {
    const row = this.statement('SELECT * FROM uploads WHERE upload_id = ?').get(uploadId) as Row | undefined;
    return row && uploadOf(row);
  }

  /** Inserts a new multipart upload. */
  insertUpload(upload: UploadRow): void {
    this.statement(`INSERT INTO uploads (upload_id, bucket, key, initiated, content_type, headers, meta, sse, kms_key_id, kms_context, customer_md5,
      customer_salt, customer_fingerprint, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      upload.uploadId, upload.bucket, upload.key, upload.initiated, upload.contentType, JSON.stringify(upload.headers), JSON.stringify(upload.meta),
      upload.sse, upload.kmsKeyId, upload.kmsContext, upload.customerMd5, upload.customerSalt, upload.customerFingerprint, tagsColumn(upload.tags),
    );
  }

  /** Pending parts of an upload by part number, ascending, after `marker`, at most `limit`. */
  uploadParts(uploadId: string, marker = 0, limit = 10_001): SegmentRow[] {
    return (this.statement('SELECT * FROM segments WHERE upload_id = ? AND object_id IS NULL AND part_number > ? ORDER BY part_number LIMIT ?')
      .all(uploadId, marker, limit) as Row[]).map(segmentOf);
  }

  /** Replaces part `partNumber` of an upload (inside a transaction); returns the replaced blob ids. */
  putPart(segment: SegmentRow): string[] {
    const old = (this.statement('SELECT blob_id FROM segments WHERE upload_id = ? AND object_id IS NULL AND part_number = ?')
      .all(segment.uploadId, segment.partNumber) as Row[]).map((row) => row.blob_id as string);
    this.statement('DELETE FROM segments WHERE upload_id = ? AND object_id IS NULL AND part_number = ?').run(segment.uploadId, segment.partNumber);
    this.insertSegment(segment);
    return old;
  }

  /** Deletes an upload and its pending parts (inside a transaction); returns their blob ids. */
  removeUpload(uploadId: string): string[] {
    const blobs = (this.statement('SELECT blob_id FROM segments WHERE upload_id = ? AND object_id IS NULL').all(uploadId) as Row[]).map((row) => row.blob_id as string);
    this.statement('DELETE FROM segments WHERE upload_id = ? AND object_id IS NULL').run(uploadId);
    this.statement('DELETE FROM uploads WHERE upload_id = ?').run(uploadId);
    return blobs;
  }

  /** Attaches a pending part to a completed object at position `seq`. */
  attachPart(blobId: string, objectId: string, seq: number): void {
    this.statement('UPDATE segments SET object_id = ?, seq = ? WHERE blob_id = ?').run(objectId, seq, blobId);
  }

  /** Uploads of a bucket in (key, upload id) order after the markers, at most `limit`. */
  listUploads(bucket: string, prefix: string, keyMarker: string, uploadIdMarker: string, limit: number): UploadRow[] {
    const rows = this.statement(`SELECT * FROM uploads WHERE bucket = ? AND substr(key, 1, length(?)) = ? AND (key > ? OR (key = ? AND upload_id > ?))
      ORDER BY key, upload_id LIMIT ?`).all(bucket, prefix, prefix, keyMarker, keyMarker, uploadIdMarker, limit) as Row[];
    return rows.map(uploadOf);
  }
}
