/** Checks an engine data dir after a (re)start: no temp files, blob files and index rows match one to one, object sizes add up. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { listFiles, queryIndex } from './engineStorage.ts';

/**
 * Asserts that DATA/tmp is empty, every blob file under DATA/blobs has a `segments` row and every row
 * its file, and every object's segment sizes sum to its size. Call it once the engine has started
 * (the start-up sweep has run).
 */
export function assertStoreConsistent(dataDir: string): void {
  const tmp = path.join(dataDir, 'tmp');
  if (existsSync(tmp)) assert.deepEqual(readdirSync(tmp), [], 'no temp files are left after start');
  const files = new Set(listFiles(path.join(dataDir, 'blobs')).map((file) => path.basename(file)));
  const rows = new Set(queryIndex(dataDir, 'SELECT blob_id FROM segments').map((row) => String(row.blob_id)));
  assert.deepEqual([...files].filter((id) => !rows.has(id)), [], 'every blob file is in the index (orphans swept)');
  assert.deepEqual([...rows].filter((id) => !files.has(id)), [], 'every indexed blob exists on disk');
  const mismatched = queryIndex(
    dataDir,
    'SELECT o.key, o.size, COALESCE(SUM(s.size), -1) AS stored FROM objects o LEFT JOIN segments s ON s.object_id = o.object_id GROUP BY o.bucket, o.key HAVING o.size != COALESCE(SUM(s.size), -1)',
  );
  assert.deepEqual(mismatched, [], 'every object size equals the sum of its segments');
}
