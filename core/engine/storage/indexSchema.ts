/** SQL schema of the engine index (see STORAGE.md). Keys are TEXT compared with BINARY collation = UTF-8 byte order. */

/** Idempotent DDL run at every open. */
export const indexSchema = `
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
