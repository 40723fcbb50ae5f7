/** Object versions in the index: the S3 write, delete and read semantics of unversioned, Enabled and Suspended buckets. */
import { randomBytes } from 'node:crypto';
import type { StatementSync } from 'node:sqlite';
import { NULL_VERSION, objectOf, tagsColumn, type NewObject, type ObjectRow, type ObjectTag, type Row, type VersioningState } from './indexRows.ts';

/** Whether `text` is a version id this index could have generated (or `null`). */
export function isVersionId(text: string): boolean {
  return text === NULL_VERSION || /^[0-9a-f]{32}$/.test(text);
}

/** The position a generated version id was created at (its first 12 hex digits); undefined for `null`. */
export function versionSeq(versionId: string): number | undefined {
  return versionId === NULL_VERSION ? undefined : Number.parseInt(versionId.slice(0, 12), 16);
}

function newVersionId(seq: number): string {
  return `${seq.toString(16).padStart(12, '0')}${randomBytes(10).toString('hex')}`;
}

/** A new random object id (the row id that segments refer to; delete markers get one too). */
export function newObjectId(): string {
  return randomBytes(16).toString('hex');
}

/** What a delete changed: the versions it created or removed, and the blob ids to unlink after the commit. */
export interface VersionChange {
  /** The delete marker that a delete without version id created (Enabled and Suspended buckets). */
  marker?: ObjectRow;
  /** The version that a delete by version id removed. */
  deleted?: ObjectRow;
  /** Blob ids no row refers to any more. */
  removed: string[];
}

/**
 * The versions of every key, over the `objects` table. Writers call the mutating methods inside an index
 * transaction (the commit point); the method keeps the invariants: one current row per key (the newest), at most
 * one `null` version per key, segments removed with their version.
 */
export class ObjectVersions {
  readonly #statement: (sql: string) => StatementSync;

  constructor(statement: (sql: string) => StatementSync) {
    this.#statement = statement;
  }

  /** The current version of a key (data or delete marker), or undefined when the key has no versions. */
  current(bucket: string, key: string): ObjectRow | undefined {
    const row = this.#statement('SELECT * FROM objects WHERE bucket = ? AND key = ? AND noncurrent_since IS NULL').get(bucket, key) as Row | undefined;
    return row && objectOf(row);
  }

  /** The current version of a key when it is data (what an unversioned read sees), or undefined. */
  currentData(bucket: string, key: string): ObjectRow | undefined {
    const row = this.current(bucket, key);
    return row && !row.deleteMarker ? row : undefined;
  }

  /** One version of a key, or undefined. */
  version(bucket: string, key: string, versionId: string): ObjectRow | undefined {
    const row = this.#statement('SELECT * FROM objects WHERE bucket = ? AND key = ? AND version_id = ?').get(bucket, key, versionId) as Row | undefined;
    return row && objectOf(row);
  }

  #nextSeq(bucket: string, key: string): number {
    const row = this.#statement('SELECT coalesce(max(seq), 0) AS seq FROM objects WHERE bucket = ? AND key = ?').get(bucket, key) as Row;
    return Number(row.seq) + 1;
  }

  /** Deletes a version row and its segment rows; returns the ids of the blob files to unlink (bytes kept in the index go with their rows). */
  #remove(row: ObjectRow): string[] {
    const blobs = (this.#statement('SELECT blob_id FROM segments WHERE object_id = ? AND blob_id NOT IN (SELECT blob_id FROM inline_blobs)').all(row.objectId) as Row[])
      .map((segment) => segment.blob_id as string);
    this.#statement('DELETE FROM segments WHERE object_id = ?').run(row.objectId);
    this.#statement('DELETE FROM objects WHERE object_id = ?').run(row.objectId);
    return blobs;
  }

  /**
   * Makes room for a new current version of `bucket/key` at `now`: the `null` version goes when the bucket is not
   * Enabled, the current version becomes noncurrent. Returns the new row's seq and version id and the freed blobs.
   */
  #supersede(bucket: string, key: string, versioning: VersioningState, now: number): { seq: number; versionId: string; removed: string[] } {
    const seq = this.#nextSeq(bucket, key);
    let removed: string[] = [];
    if (versioning !== 'Enabled') {
      const previousNull = this.version(bucket, key, NULL_VERSION);
      if (previousNull) removed = this.#remove(previousNull);
    }
    this.#statement('UPDATE objects SET noncurrent_since = ? WHERE bucket = ? AND key = ? AND noncurrent_since IS NULL').run(now, bucket, key);
    return { seq, versionId: versioning === 'Enabled' ? newVersionId(seq) : NULL_VERSION, removed };
  }

  #insert(object: ObjectRow): void {
    this.#statement(`INSERT INTO objects (bucket, key, seq, version_id, object_id, delete_marker, noncurrent_since, size, etag, crc64, modified,
      content_type, headers, meta, sse, kms_key_id, kms_context, customer_md5, customer_salt, customer_fingerprint, tags)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      object.bucket, object.key, object.seq, object.versionId, object.objectId, object.deleteMarker ? 1 : 0, object.noncurrentSince, object.size,
      object.etag, object.crc64, object.modified, object.contentType, JSON.stringify(object.headers), JSON.stringify(object.meta), object.sse,
      object.kmsKeyId, object.kmsContext, object.customerMd5, object.customerSalt, object.customerFingerprint, tagsColumn(object.tags),
    );
  }

  /**
   * Writes `object` as the new current version: a new version id when versioning is Enabled, else the key's `null`
   * version (replacing an earlier `null` version, data or marker). The caller inserts the segments under
   * `object.objectId`. Returns the stored row and the blob ids of the replaced version.
   */
  put(versioning: VersioningState, object: NewObject): { object: ObjectRow; removed: string[] } {
    const { seq, versionId, removed } = this.#supersede(object.bucket, object.key, versioning, object.modified);
    const stored: ObjectRow = { ...object, seq, versionId, deleteMarker: false, noncurrentSince: null };
    this.#insert(stored);
    return { object: stored, removed };
  }

  /**
   * DELETE without a version id at `now`. Unversioned: removes the key's (null) version. Enabled: adds a delete
   * marker with a new id. Suspended: replaces the `null` version with a `null` delete marker.
   */
  deleteCurrent(versioning: VersioningState, bucket: string, key: string, now: number): VersionChange {
    if (versioning === null) {
      const existing = this.version(bucket, key, NULL_VERSION);
      return { removed: existing ? this.#remove(existing) : [] };
    }
    const { seq, versionId, removed } = this.#supersede(bucket, key, versioning, now);
    const marker: ObjectRow = {
      bucket, key, objectId: newObjectId(), seq, versionId, deleteMarker: true, noncurrentSince: null, size: 0, etag: '', crc64: '', modified: now,
      contentType: '', headers: {}, meta: {}, tags: [], sse: 'none', kmsKeyId: null, kmsContext: null, customerMd5: null, customerSalt: null,
      customerFingerprint: null,
    };
    this.#insert(marker);
    return { marker, removed };
  }

  /** Removes one version (data or marker) for good; when it was current, the newest remaining version becomes current. */
  deleteVersion(bucket: string, key: string, versionId: string): VersionChange {
    const existing = this.version(bucket, key, versionId);
    if (!existing) return { removed: [] };
    const removed = this.#remove(existing);
    if (existing.noncurrentSince === null) {
      this.#statement(`UPDATE objects SET noncurrent_since = NULL WHERE bucket = ? AND key = ?
        AND seq = (SELECT max(seq) FROM objects WHERE bucket = ? AND key = ?)`).run(bucket, key, bucket, key);
    }
    return { deleted: existing, removed };
  }

  /** Replaces the tags of a data version; false when there is no such data version. */
  setTags(bucket: string, key: string, versionId: string, tags: readonly ObjectTag[]): boolean {
    return this.#statement('UPDATE objects SET tags = ? WHERE bucket = ? AND key = ? AND version_id = ? AND delete_marker = 0')
      .run(tagsColumn(tags), bucket, key, versionId).changes === 1;
  }

  /**
   * Current data versions of `bucket` (what ListObjects shows) with keys after `after` (exclusive, or inclusive when
   * `inclusive`) and below `before` (when given), in UTF-8 byte order, at most `limit`.
   */
  listCurrent(bucket: string, after: string, inclusive: boolean, before: string | undefined, limit: number): ObjectRow[] {
    const lower = inclusive ? 'key >= ?' : 'key > ?';
    const current = 'noncurrent_since IS NULL AND delete_marker = 0';
    // Without statistics SQLite walks the primary key, through every old version; the partial index skips them
    // (measured: 20,000 keys with 5 versions each list in 0.37 s instead of 0.98 s).
    const rows = (before === undefined
      ? this.#statement(`SELECT * FROM objects INDEXED BY objects_current WHERE bucket = ? AND ${lower} AND ${current} ORDER BY key LIMIT ?`).all(bucket, after, limit)
      : this.#statement(`SELECT * FROM objects INDEXED BY objects_current WHERE bucket = ? AND ${lower} AND key < ? AND ${current} ORDER BY key LIMIT ?`).all(bucket, after, before, limit)) as Row[];
    return rows.map(objectOf);
  }

  /** Every version of keys after `after` (exclusive, or inclusive) and below `before`, by key then newest first, at most `limit`. */
  listVersions(bucket: string, after: string, inclusive: boolean, before: string | undefined, limit: number): ObjectRow[] {
    const lower = inclusive ? 'key >= ?' : 'key > ?';
    const rows = (before === undefined
      ? this.#statement(`SELECT * FROM objects WHERE bucket = ? AND ${lower} ORDER BY key, seq DESC LIMIT ?`).all(bucket, after, limit)
      : this.#statement(`SELECT * FROM objects WHERE bucket = ? AND ${lower} AND key < ? ORDER BY key, seq DESC LIMIT ?`).all(bucket, after, before, limit)) as Row[];
    return rows.map(objectOf);
  }

  /** The versions of one key older than position `seq`, newest first, at most `limit`. */
  olderVersions(bucket: string, key: string, seq: number, limit: number): ObjectRow[] {
    return (this.#statement('SELECT * FROM objects WHERE bucket = ? AND key = ? AND seq < ? ORDER BY seq DESC LIMIT ?').all(bucket, key, seq, limit) as Row[]).map(objectOf);
  }
}
