/** Read-only look into an engine data dir for tests: the sqlite index, the blob files of an object, and a byte search over every file. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** One stored blob of an object (a whole PUT, or one part of a multipart object), in object order. */
export interface StoredSegment {
  blobId: string;
  path: string;
  /** Plaintext size of the segment. */
  size: number;
  sealVersion: number | null;
}

/** The engine's sqlite index file: the top-level `*.db` / `*.sqlite` file that has a `segments` table. */
export function indexFile(dataDir: string): string {
  const candidates = readdirSync(dataDir).filter((name) => /\.(db|sqlite3?)$/.test(name)).map((name) => path.join(dataDir, name));
  for (const file of candidates) {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      if (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'segments'").get()) return file;
    } finally {
      db.close();
    }
  }
  throw new Error(`no engine index (*.db with a segments table) in ${dataDir}: ${readdirSync(dataDir).join(', ')}`);
}

/** Runs one read-only query against the index. */
export function queryIndex(dataDir: string, sql: string, ...parameters: (string | number)[]): Record<string, unknown>[] {
  const db = new DatabaseSync(indexFile(dataDir), { readOnly: true, timeout: 5000 });
  try {
    return db.prepare(sql).all(...parameters) as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** The path of blob `id` (DATA/blobs/<first two hex>/<id>, see core/engine/blobStore.ts). */
export function blobPath(dataDir: string, blobId: string): string {
  return path.join(dataDir, 'blobs', blobId.slice(0, 2), blobId);
}

/** Whether the stored bytes of blob `id` exist: its file, or its row in `inline_blobs` (small objects kept in the index). */
export function blobStored(dataDir: string, blobId: string): boolean {
  return existsSync(blobPath(dataDir, blobId)) || queryIndex(dataDir, 'SELECT 1 FROM inline_blobs WHERE blob_id = ?', blobId).length > 0;
}

/** The blobs of the current version of a committed object, in order; throws when the object is not in the index. */
export function objectSegments(dataDir: string, bucket: string, key: string): StoredSegment[] {
  const rows = queryIndex(
    dataDir,
    'SELECT s.blob_id, s.size, s.seal_version FROM objects o JOIN segments s ON s.object_id = o.object_id WHERE o.bucket = ? AND o.key = ? AND o.noncurrent_since IS NULL ORDER BY s.seq',
    bucket,
    key,
  );
  if (rows.length === 0) throw new Error(`object ${bucket}/${key} has no segments in the index`);
  return rows.map((row) => ({
    blobId: String(row.blob_id),
    path: blobPath(dataDir, String(row.blob_id)),
    size: Number(row.size),
    sealVersion: row.seal_version === null ? null : Number(row.seal_version),
  }));
}

/** Every regular file under `root`, recursively. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Files under `root` whose bytes contain `needle` anywhere (sqlite DB, WAL and SHM included). */
export function filesContaining(root: string, needle: Buffer): string[] {
  return listFiles(root).filter((file) => statSync(file).size >= needle.length && readFileSync(file).includes(needle));
}
