/** JournalBatch: many files' rows in one commit, each promise settled only after it, a failing write rolled back alone. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, test } from 'node:test';
import { Journal } from '../../core/sync/journal.ts';
import { JournalBatch } from '../../core/sync/journalBatch.ts';

const root = mkdtempSync(path.join(tmpdir(), 'cos-sync-journal-batch-'));
after(() => rmSync(root, { recursive: true, force: true }));
const stamp = { size: 4, mtimeMs: 1000, inode: 7 };
const remote = { crc64: '1', etag: '"e"', encryption: { algorithm: 'AES256' as const }, uploaded: true };

/** Rows another connection sees (what a crash right now would leave). */
function committedPaths(location: string): string[] {
  const reader = new DatabaseSync(location, { readOnly: true });
  try {
    return reader.prepare("SELECT path FROM files WHERE state = 'synced' ORDER BY path").all().map((row) => String(row.path));
  } finally {
    reader.close();
  }
}

test('writes wait for one shared commit and are visible once their promises resolve', async () => {
  const location = path.join(root, 'shared.db');
  const journal = Journal.open(location);
  try {
    journal.registerFolder('f', root);
    const batch = new JournalBatch(journal, { delayMs: 20, maxPending: 100 });
    const settled: string[] = [];
    const commits = ['a', 'b', 'c'].map((name) => batch.commit(() => journal.markRemote('f', name, 'synced', stamp, remote)).then(() => settled.push(name)));
    assert.deepEqual(committedPaths(location), [], 'nothing is committed before the batch runs');
    assert.deepEqual(settled, []);
    await Promise.all(commits);
    assert.deepEqual(committedPaths(location), ['a', 'b', 'c']);
  } finally {
    journal.close();
  }
});

test('a full batch commits at once; a write that throws is rolled back and rejected alone', async () => {
  const location = path.join(root, 'isolated.db');
  const journal = Journal.open(location);
  try {
    journal.registerFolder('f', root);
    const batch = new JournalBatch(journal, { delayMs: 60_000, maxPending: 3 });
    const good = batch.commit(() => journal.markRemote('f', 'good', 'synced', stamp, remote));
    const bad = batch.commit(() => {
      journal.markRemote('f', 'bad', 'synced', stamp, remote);
      throw new Error('disk trouble');
    });
    const also = batch.commit(() => journal.markRemote('f', 'also', 'synced', stamp, remote));
    // The third write filled the batch: committed without waiting for the (minute-long) delay.
    await good;
    await also;
    await assert.rejects(bad, /disk trouble/);
    assert.deepEqual(committedPaths(location), ['also', 'good']);
    batch.flush();
  } finally {
    journal.close();
  }
});
