/** Checks an engine data dir after a (re)start: no temp files, blob files and index rows match one to one, version sizes add up, version chains are whole. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { listFiles, queryIndex } from './engineStorage.ts';

/**
 * Asserts that DATA/tmp is empty, every blob file under DATA/blobs has a `segments` row and every row
 * its file or its bytes in `inline_blobs` (and no inline bytes lack a segment), every version's segment sizes sum to its size (markers have none), and every key has exactly one
 * current version (its newest) and at most one null version. Call it once the engine has started
 * (the start-up sweep has run).
 */
export function assertStoreConsistent(dataDir: string): void {
  const tmp = path.join(dataDir, 'tmp');
  if (existsSync(tmp)) assert.deepEqual(readdirSync(tmp), [], 'no temp files are left after start');
  const files = new Set(listFiles(path.join(dataDir, 'blobs')).map((file) => path.basename(file)));
  const rows = new Set(queryIndex(dataDir, 'SELECT blob_id FROM segments WHERE blob_id NOT IN (SELECT blob_id FROM inline_blobs)').map((row) => String(row.blob_id)));
  assert.deepEqual([...files].filter((id) => !rows.has(id)), [], 'every blob file is in the index (orphans swept), and no object kept in the index has a file too');
  assert.deepEqual([...rows].filter((id) => !files.has(id)), [], 'every indexed blob exists on disk');
  const strays = queryIndex(dataDir, 'SELECT blob_id FROM inline_blobs WHERE blob_id NOT IN (SELECT blob_id FROM segments)');
  assert.deepEqual(strays, [], 'every stored byte string kept in the index belongs to a segment');
  const mismatched = queryIndex(
    dataDir,
    `SELECT o.key, o.version_id, o.size, COALESCE(SUM(s.size), -1) AS stored FROM objects o LEFT JOIN segments s ON s.object_id = o.object_id GROUP BY o.object_id
     HAVING (o.delete_marker = 0 AND o.size != COALESCE(SUM(s.size), -1)) OR (o.delete_marker = 1 AND COUNT(s.blob_id) > 0)`,
  );
  assert.deepEqual(mismatched, [], 'every version size equals the sum of its segments; delete markers have none');
  const badKeys = queryIndex(
    dataDir,
    `SELECT bucket, key, SUM(noncurrent_since IS NULL) AS current, SUM(version_id = 'null') AS nulls, MAX(seq) AS newest,
       MAX(CASE WHEN noncurrent_since IS NULL THEN seq END) AS current_seq FROM objects GROUP BY bucket, key
     HAVING current != 1 OR nulls > 1 OR newest != current_seq`,
  );
  assert.deepEqual(badKeys, [], 'every key has exactly one current version, its newest, and at most one null version');
}
