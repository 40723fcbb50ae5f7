/** Numbered schema migrations of the engine index (see STORAGE.md); keys are TEXT compared with BINARY collation = UTF-8 byte order. */

// 1: the schema of the first releases. Written idempotently because data dirs of those releases already have these
// tables at user_version 0; this step adopts them as version 1.
const initialSchema = `
CREATE TABLE IF NOT EXISTS buckets (
  name TEXT PRIMARY KEY,
  created INTEGER NOT NULL,
  acl TEXT NOT NULL DEFAULT 'private',
  encryption TEXT
);
CREATE TABLE IF NOT EXISTS objects (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  object_id TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  crc64 TEXT NOT NULL,
  modified INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  headers TEXT NOT NULL,
  meta TEXT NOT NULL,
  sse TEXT NOT NULL,
  kms_key_id TEXT,
  kms_context TEXT,
  customer_md5 TEXT,
  customer_salt TEXT,
  customer_fingerprint TEXT,
  PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  initiated INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  headers TEXT NOT NULL,
  meta TEXT NOT NULL,
  sse TEXT NOT NULL,
  kms_key_id TEXT,
  kms_context TEXT,
  customer_md5 TEXT,
  customer_salt TEXT,
  customer_fingerprint TEXT
);
CREATE INDEX IF NOT EXISTS uploads_by_key ON uploads (bucket, key, upload_id);
CREATE TABLE IF NOT EXISTS segments (
  blob_id TEXT PRIMARY KEY,
  object_id TEXT,
  upload_id TEXT,
  part_number INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  size INTEGER NOT NULL,
  md5 TEXT NOT NULL,
  crc64 TEXT NOT NULL,
  modified INTEGER NOT NULL,
  sealed_key TEXT,
  seal_key_id TEXT,
  seal_version INTEGER
);
CREATE INDEX IF NOT EXISTS segments_by_object ON segments (object_id, seq);
CREATE INDEX IF NOT EXISTS segments_by_upload ON segments (upload_id, part_number);
CREATE INDEX IF NOT EXISTS segments_by_seal ON segments (seal_key_id, seal_version);
`;

// 2: bucket policies, stored verbatim as the client sent them (PUT ?policy).
const bucketPolicies = `CREATE TABLE bucket_policies (
  bucket TEXT PRIMARY KEY,
  document TEXT NOT NULL,
  updated INTEGER NOT NULL
) WITHOUT ROWID;`;

// 3: object versions. An `objects` row is one version of a key — data or a delete marker — ordered within the key by
// `seq` (larger = newer). The current version is the one row of a key with `noncurrent_since` NULL; the others
// carry the time they stopped being current (what NoncurrentVersionExpiration counts from). `version_id` is
// 'null' for versions written while the bucket was unversioned or suspended (at most one per key). Existing rows
// become the 'null' version of their key; buckets gain their versioning state and lifecycle rules, objects and
// uploads their tags.
const objectVersions = `
CREATE TABLE objects_versioned (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  version_id TEXT NOT NULL,
  object_id TEXT NOT NULL UNIQUE,
  delete_marker INTEGER NOT NULL DEFAULT 0,
  noncurrent_since INTEGER,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  crc64 TEXT NOT NULL,
  modified INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  headers TEXT NOT NULL,
  meta TEXT NOT NULL,
  sse TEXT NOT NULL,
  kms_key_id TEXT,
  kms_context TEXT,
  customer_md5 TEXT,
  customer_salt TEXT,
  customer_fingerprint TEXT,
  tags TEXT,
  PRIMARY KEY (bucket, key, seq DESC)
) WITHOUT ROWID;
INSERT INTO objects_versioned (bucket, key, seq, version_id, object_id, delete_marker, noncurrent_since, size, etag, crc64, modified,
  content_type, headers, meta, sse, kms_key_id, kms_context, customer_md5, customer_salt, customer_fingerprint, tags)
  SELECT bucket, key, 1, 'null', object_id, 0, NULL, size, etag, crc64, modified, content_type, headers, meta, sse, kms_key_id, kms_context,
  customer_md5, customer_salt, customer_fingerprint, NULL FROM objects;
DROP TABLE objects;
ALTER TABLE objects_versioned RENAME TO objects;
CREATE UNIQUE INDEX objects_by_version ON objects (bucket, key, version_id);
CREATE INDEX objects_current ON objects (bucket, key) WHERE noncurrent_since IS NULL AND delete_marker = 0;
CREATE INDEX objects_noncurrent ON objects (bucket, noncurrent_since) WHERE noncurrent_since IS NOT NULL;
ALTER TABLE buckets ADD COLUMN versioning TEXT;
ALTER TABLE buckets ADD COLUMN lifecycle TEXT;
ALTER TABLE uploads ADD COLUMN tags TEXT;
`;

// 4: small objects kept inside the index. The stored bytes (the same package stream a blob file holds) of a segment
// written whole in one request live in `inline_blobs` under the segment's blob id, committed in the same transaction
// as its rows: no file, no file fsyncs. The trigger removes them with their segment, so no row can outlive it.
const inlineBlobs = `CREATE TABLE inline_blobs (
  blob_id TEXT PRIMARY KEY,
  data BLOB NOT NULL
);
CREATE TRIGGER inline_blobs_follow_segments AFTER DELETE ON segments BEGIN
  DELETE FROM inline_blobs WHERE blob_id = OLD.blob_id;
END;`;

/**
 * The migrations, oldest first; step i brings `PRAGMA user_version` from i to i + 1 in one transaction. Never edit a
 * released step: append a new one (and describe the on-disk change in STORAGE.md).
 */
export const indexMigrations: readonly string[] = [initialSchema, bucketPolicies, objectVersions, inlineBlobs];
