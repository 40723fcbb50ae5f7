/** Numbered schema migrations of the sync journal; step i brings `PRAGMA user_version` from i to i + 1. */

/**
 * The migrations, oldest first. Never edit a released step: append a new one. Each step runs in one
 * transaction together with the `user_version` bump, so a crash leaves the database at a whole version.
 */
export const journalMigrations: readonly string[] = [
  // 1: folders, files, trigger-maintained counts per (folder, state).
  `CREATE TABLE folders (
     folder_id TEXT PRIMARY KEY,
     local_path TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE files (
     folder_id TEXT NOT NULL REFERENCES folders(folder_id) ON DELETE CASCADE,
     path TEXT NOT NULL,
     size INTEGER NOT NULL,
     mtime_ms REAL NOT NULL,
     inode INTEGER,
     crc64 TEXT,
     remote_etag TEXT,
     encryption TEXT CHECK (encryption IN ('AES256', 'cos/kms', 'SSE-C', 'none')),
     kms_key_id TEXT,
     state TEXT NOT NULL CHECK (state IN ('queued', 'uploading', 'synced', 'identical', 'excluded', 'error', 'deleted-locally')),
     reason TEXT,
     verified_at INTEGER,
     uploaded_at INTEGER,
     error_code TEXT,
     error_message TEXT,
     PRIMARY KEY (folder_id, path)
   );
   CREATE INDEX files_queue ON files(folder_id, state) WHERE state IN ('queued', 'uploading', 'error');
   CREATE TABLE file_counts (
     folder_id TEXT NOT NULL,
     state TEXT NOT NULL,
     count INTEGER NOT NULL DEFAULT 0,
     bytes INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (folder_id, state)
   );
   CREATE TRIGGER files_count_insert AFTER INSERT ON files BEGIN
     INSERT INTO file_counts(folder_id, state, count, bytes) VALUES (new.folder_id, new.state, 1, new.size)
       ON CONFLICT(folder_id, state) DO UPDATE SET count = count + 1, bytes = bytes + excluded.bytes;
   END;
   CREATE TRIGGER files_count_delete AFTER DELETE ON files BEGIN
     UPDATE file_counts SET count = count - 1, bytes = bytes - old.size WHERE folder_id = old.folder_id AND state = old.state;
   END;
   CREATE TRIGGER files_count_update AFTER UPDATE OF state, size ON files BEGIN
     UPDATE file_counts SET count = count - 1, bytes = bytes - old.size WHERE folder_id = old.folder_id AND state = old.state;
     INSERT INTO file_counts(folder_id, state, count, bytes) VALUES (new.folder_id, new.state, 1, new.size)
       ON CONFLICT(folder_id, state) DO UPDATE SET count = count + 1, bytes = bytes + excluded.bytes;
   END;
   CREATE TRIGGER folders_delete_counts AFTER DELETE ON folders BEGIN
     DELETE FROM file_counts WHERE folder_id = old.folder_id;
   END;`,

  // 2: resumable multipart sessions and their finished parts.
  `CREATE TABLE upload_sessions (
     folder_id TEXT NOT NULL REFERENCES folders(folder_id) ON DELETE CASCADE,
     path TEXT NOT NULL,
     upload_id TEXT NOT NULL,
     part_size INTEGER NOT NULL,
     size INTEGER NOT NULL,
     mtime_ms REAL NOT NULL,
     inode INTEGER,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (folder_id, path)
   );
   CREATE TABLE upload_parts (
     folder_id TEXT NOT NULL,
     path TEXT NOT NULL,
     part_number INTEGER NOT NULL,
     etag TEXT NOT NULL,
     crc64 TEXT NOT NULL,
     size INTEGER NOT NULL,
     PRIMARY KEY (folder_id, path, part_number),
     FOREIGN KEY (folder_id, path) REFERENCES upload_sessions(folder_id, path) ON DELETE CASCADE
   );`,

  // 3: per-file errors with backoff, and the bounded activity log.
  `CREATE TABLE errors (
     folder_id TEXT NOT NULL REFERENCES folders(folder_id) ON DELETE CASCADE,
     path TEXT NOT NULL,
     code TEXT NOT NULL,
     message TEXT NOT NULL,
     retry_class TEXT NOT NULL,
     retry_count INTEGER NOT NULL,
     last_try_at INTEGER NOT NULL,
     next_retry_at INTEGER NOT NULL,
     PRIMARY KEY (folder_id, path)
   );
   CREATE INDEX errors_due ON errors(folder_id, next_retry_at);
   CREATE TABLE activity (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     folder_id TEXT NOT NULL,
     path TEXT NOT NULL,
     action TEXT NOT NULL,
     bytes INTEGER,
     detail TEXT
   );
   CREATE INDEX activity_folder ON activity(folder_id, id);`,

  // 4: background encryption verification queue of pre-existing ('identical') objects.
  `CREATE INDEX files_unverified ON files(folder_id, path) WHERE verified_at IS NULL AND state IN ('identical', 'synced');`,

  // 5: when the remote prefix was listed for the first sync (until then, new files are compared with what exists remotely).
  `ALTER TABLE folders ADD COLUMN remote_listed_at INTEGER;`,

  // 6: find rows by content, so a rename seen as two separate watcher batches is still a server-side move.
  `CREATE INDEX files_content ON files(folder_id, size, crc64) WHERE state IN ('synced', 'identical', 'deleted-locally');`,

  // 7: the fix hint of a file's error and of an activity entry (e.g. "a bucket policy refused the encrypted write").
  `ALTER TABLE files ADD COLUMN error_hint TEXT;
   ALTER TABLE activity ADD COLUMN hint TEXT;`,
];
