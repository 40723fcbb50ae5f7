/** Numbered schema migrations of the engine index (see STORAGE.md); keys are TEXT compared with BINARY collation = UTF-8 byte order. */

/**
 * The migrations, oldest first; step i brings `PRAGMA user_version` from i to i + 1 (core/common/schemaMigrations.ts).
 * Never edit a released step: append a new one. Step 1 is the original schema, written with IF NOT EXISTS because
 * data directories made before versioned migrations have those tables at user_version 0.
 */
export const indexMigrations: readonly string[] = [
  // 1: buckets, objects, uploads, segments.
  `
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
`,
  // 2: bucket policies, stored verbatim as the client sent them (PUT ?policy).
  `CREATE TABLE bucket_policies (
     bucket TEXT PRIMARY KEY,
     document TEXT NOT NULL,
     updated INTEGER NOT NULL
   ) WITHOUT ROWID;`,
];
