/** Journal tests: every migration (from empty, from each earlier version, idempotent re-open), counts, paging, errors, sessions, activity. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { fixedClock } from '../../core/common/clock.ts';
import { Journal, migrate } from '../../core/sync/journal.ts';
import { clearFileError, dueErrorPaths, errorBackoffMs, nextErrorRetryAt, recordFileError } from '../../core/sync/journalErrors.ts';
import { journalMigrations } from '../../core/sync/journalMigrations.ts';
import { addActivity, fileCounts, listActivity, listFiles, pruneActivity } from '../../core/sync/journalQueries.ts';
import { deleteUploadSession, loadUploadSession, saveUploadPart, saveUploadSession } from '../../core/sync/journalSessions.ts';

const root = mkdtempSync(path.join(tmpdir(), 'cos-sync-journal-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const dbPath = (): string => path.join(root, `j${counter++}.db`);

/** Normalised schema (type, name, sql) for comparing databases built by different routes. */
function schema(location: string): string[] {
  const db = new DatabaseSync(location, { readOnly: true });
  try {
    return db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all().map((row) => `${row.type} ${row.name} ${String(row.sql).replace(/\s+/g, ' ')}`);
  } finally {
    db.close();
  }
}

const stamp = { size: 10, mtimeMs: 1000.5, inode: 42 };

describe('journal migrations', () => {
  test('migrate from empty reaches the last version with WAL and foreign keys', () => {
    const location = dbPath();
    const journal = Journal.open(location);
    try {
      assert.equal(Number((journal.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version), journalMigrations.length);
      assert.equal((journal.db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
      assert.equal(Number((journal.db.prepare('PRAGMA foreign_keys').get() as { foreign_keys: number }).foreign_keys), 1);
    } finally {
      journal.close();
    }
  });

  const fresh = dbPath();
  Journal.open(fresh).close();
  for (let version = 1; version < journalMigrations.length; version++) {
    test(`migrate from version ${version} keeps data and matches a fresh schema`, () => {
      const location = dbPath();
      const old = Journal.open(location, { migrations: journalMigrations.slice(0, version) });
      old.registerFolder('f', '/tmp/f');
      old.setLocal('f', 'a.txt', 'queued', stamp, '123');
      old.close();
      const journal = Journal.open(location);
      try {
        assert.equal(journal.get('f', 'a.txt')?.crc64, '123');
        assert.equal(fileCounts(journal, 'f').queued.count, 1);
      } finally {
        journal.close();
      }
      assert.deepEqual(schema(location), schema(fresh));
    });
  }

  test('re-opening is idempotent', () => {
    const location = dbPath();
    Journal.open(location).close();
    const before = schema(location);
    const journal = Journal.open(location);
    assert.equal(migrate(journal.db), journalMigrations.length);
    journal.close();
    assert.deepEqual(schema(location), before);
  });

  test('refuses a journal from a newer app', () => {
    const location = dbPath();
    const db = new DatabaseSync(location);
    db.exec(`PRAGMA user_version = ${journalMigrations.length + 1}`);
    db.close();
    assert.throws(() => Journal.open(location), /newer than this app/);
  });

  test('a failing migration rolls back to the previous whole version', () => {
    const location = dbPath();
    assert.throws(() => Journal.open(location, { migrations: [...journalMigrations.slice(0, 2), 'CREATE TABLE x(a); THIS IS NOT SQL'] }));
    const db = new DatabaseSync(location);
    try {
      assert.equal(Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version), 2);
      assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'x'").get(), undefined);
    } finally {
      db.close();
    }
  });
});

describe('journal rows', () => {
  test('counts follow inserts, state changes, size changes and deletes', () => {
    const journal = Journal.open(':memory:');
    try {
      journal.registerFolder('f', '/f');
      journal.setLocal('f', 'a', 'queued', stamp, '1');
      journal.setLocal('f', 'b', 'queued', { ...stamp, size: 5 }, '2');
      assert.deepEqual(fileCounts(journal, 'f').queued, { count: 2, bytes: 15 });
      journal.markRemote('f', 'a', 'synced', stamp, { crc64: '1', etag: '"e"', encryption: { algorithm: 'AES256' }, uploaded: true });
      assert.deepEqual(fileCounts(journal, 'f').synced, { count: 1, bytes: 10 });
      assert.deepEqual(fileCounts(journal, 'f').queued, { count: 1, bytes: 5 });
      journal.setLocal('f', 'b', 'queued', { ...stamp, size: 7 }, '3');
      assert.deepEqual(fileCounts(journal, 'f').queued, { count: 1, bytes: 7 });
      journal.remove('f', 'b');
      assert.deepEqual(fileCounts(journal, 'f').queued, { count: 0, bytes: 0 });
      const row = journal.get('f', 'a')!;
      assert.deepEqual(row.encryption, { algorithm: 'AES256' });
      assert.equal(row.verifiedAt !== undefined && row.uploadedAt !== undefined, true);
      assert.equal(row.mtimeMs, 1000.5);
      journal.forgetFolder('f');
      assert.equal(fileCounts(journal, 'f').synced.count, 0);
      assert.equal(journal.entries('f').length, 0);
    } finally {
      journal.close();
    }
  });

  test('entriesUnder returns exact paths and whole subtrees only', () => {
    const journal = Journal.open(':memory:');
    try {
      journal.registerFolder('f', '/f');
      for (const p of ['a', 'a/b', 'a/c/d', 'ab', 'a0', 'z']) journal.setLocal('f', p, 'queued', stamp, '1');
      assert.deepEqual(journal.entriesUnder('f', ['z'], ['a']).map((e) => e.path).sort(), ['a/b', 'a/c/d', 'z']);
      assert.deepEqual(journal.entriesUnder('f', ['a'], ['a']).map((e) => e.path).sort(), ['a', 'a/b', 'a/c/d']);
    } finally {
      journal.close();
    }
  });

  test('errors back off ×5 from 25 s to 24 h and are due in order', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => errorBackoffMs(n)), [25_000, 125_000, 625_000, 3_125_000, 15_625_000, 78_125_000, 86_400_000]);
    assert.equal(errorBackoffMs(1, 'fatal'), 86_400_000);
    const clock = fixedClock(1_000_000);
    const journal = Journal.open(':memory:', { clock });
    try {
      journal.registerFolder('f', '/f');
      journal.setLocal('f', 'a', 'queued', stamp, '1');
      assert.equal(recordFileError(journal, 'f', 'a', { code: 'X', message: 'm', retryClass: 'retry' }), 1_025_000);
      assert.equal(recordFileError(journal, 'f', 'a', { code: 'X', message: 'm', retryClass: 'retry' }), 1_125_000);
      recordFileError(journal, 'f', 'new', { code: 'Y', message: 'm', retryClass: 'retry', retryAt: 1_010_000 });
      assert.equal(journal.get('f', 'a')?.state, 'error');
      assert.equal(journal.get('f', 'a')?.nextRetryAt, 1_125_000);
      assert.equal(nextErrorRetryAt(journal, 'f'), 1_010_000);
      assert.deepEqual(dueErrorPaths(journal, 'f', 1_200_000), ['new', 'a']);
      clearFileError(journal, 'f', 'new');
      assert.deepEqual(dueErrorPaths(journal, 'f', 1_200_000), ['a']);
      journal.markRemote('f', 'a', 'synced', stamp, { crc64: '1', etag: '"e"', encryption: { algorithm: 'none' }, uploaded: true });
      assert.equal(nextErrorRetryAt(journal, 'f'), undefined);
      assert.equal(journal.get('f', 'a')?.errorCode, undefined);
    } finally {
      journal.close();
    }
  });

  test('upload sessions keep parts and cascade on delete', () => {
    const journal = Journal.open(':memory:');
    try {
      journal.registerFolder('f', '/f');
      saveUploadSession(journal, 'f', 'big', { uploadId: 'u1', partSize: 8 }, stamp);
      saveUploadPart(journal, 'f', 'big', { partNumber: 2, etag: '"2"', crc64: '22', size: 8 });
      saveUploadPart(journal, 'f', 'big', { partNumber: 1, etag: '"1"', crc64: '11', size: 8 });
      const stored = loadUploadSession(journal, 'f', 'big')!;
      assert.deepEqual(stored.stamp, stamp);
      assert.deepEqual(stored.session, { uploadId: 'u1', partSize: 8, parts: [{ partNumber: 1, etag: '"1"', crc64: '11', size: 8 }, { partNumber: 2, etag: '"2"', crc64: '22', size: 8 }] });
      saveUploadSession(journal, 'f', 'big', { uploadId: 'u2', partSize: 8 }, stamp);
      assert.deepEqual(loadUploadSession(journal, 'f', 'big')?.session.parts, []);
      deleteUploadSession(journal, 'f', 'big');
      assert.equal(loadUploadSession(journal, 'f', 'big'), undefined);
      assert.equal(Number((journal.db.prepare('SELECT count(*) AS n FROM upload_parts').get() as { n: number }).n), 0);
    } finally {
      journal.close();
    }
  });

  test('interrupted uploads go back to queued', () => {
    const journal = Journal.open(':memory:');
    try {
      journal.registerFolder('f', '/f');
      journal.setLocal('f', 'a', 'uploading', stamp, '1');
      assert.equal(journal.resetInterrupted('f'), 1);
      assert.equal(journal.get('f', 'a')?.state, 'queued');
    } finally {
      journal.close();
    }
  });

  test('file list pages, filters by state and searches by path', () => {
    const journal = Journal.open(':memory:');
    try {
      journal.registerFolder('f', '/f');
      for (let i = 0; i < 25; i++) journal.setLocal('f', `dir/file${String(i).padStart(2, '0')}.txt`, i % 5 === 0 ? 'error' : 'queued', stamp, String(i));
      journal.setLocal('f', 'odd_100%.txt', 'excluded', stamp, undefined, 'symlink');
      const page = listFiles(journal, 'f', { offset: 10, limit: 5 });
      assert.equal(page.total, 26);
      assert.deepEqual(page.rows.map((r) => r.path), ['dir/file10.txt', 'dir/file11.txt', 'dir/file12.txt', 'dir/file13.txt', 'dir/file14.txt']);
      assert.equal(listFiles(journal, 'f', { states: ['error'] }).total, 5);
      assert.equal(listFiles(journal, 'f', { search: 'FILE2' }).total, 5);
      const literal = listFiles(journal, 'f', { search: '_100%' });
      assert.deepEqual(literal.rows.map((r) => [r.path, r.reason]), [['odd_100%.txt', 'symlink']]);
      assert.equal(listFiles(journal, 'f', { search: '%' }).total, 1);
    } finally {
      journal.close();
    }
  });

  test('activity is capped and pages newest first', () => {
    const journal = Journal.open(':memory:', { activityCap: 150 });
    try {
      for (let i = 1; i <= 400; i++) addActivity(journal, { at: i, folderId: i % 2 ? 'a' : 'b', path: `p${i}`, action: 'uploaded' });
      pruneActivity(journal);
      assert.equal(Number((journal.db.prepare('SELECT count(*) AS n FROM activity').get() as { n: number }).n), 150);
      const newest = listActivity(journal, { limit: 3 });
      assert.deepEqual(newest.map((e) => e.path), ['p400', 'p399', 'p398']);
      const older = listActivity(journal, { folderId: 'a', limit: 2, beforeId: newest[2]!.id! });
      assert.deepEqual(older.map((e) => e.path), ['p397', 'p395']);
    } finally {
      journal.close();
    }
  });
});
