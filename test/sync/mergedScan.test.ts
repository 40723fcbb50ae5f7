/** The streamed full scan: walk and journal merged in byte order, only differences kept, same plan as the classic scan. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { IgnoreRules } from '../../core/sync/ignoreRules.ts';
import { Journal, type JournalEntry } from '../../core/sync/journal.ts';
import { compareUtf8, scanAgainstJournal } from '../../core/sync/mergedScan.ts';
import { plan, type PlanOptions } from '../../core/sync/planner.ts';
import { scanFolder } from '../../core/sync/scanner.ts';
import { crc64FileOf } from '../fakes/memoryRemoteStore.ts';

// Names whose byte order differs from naive orders: '-' and '.' sort before '/', '0' after it; é, U+FFFD and an
// emoji (a surrogate pair in UTF-16, so JavaScript's `<` puts it before U+FFFD while UTF-8 puts it after).
const NAMES = ['a-b.txt', 'a.txt', 'a/x.txt', 'a/y/z.txt', 'a0.txt', 'b/é.txt', 'b/\uFFFD.txt', 'b/😀.txt', 'b/e.txt', 'c.txt'];

let root: string;
let hashed: string[];
const crc64File = async (filePath: string): Promise<string> => {
  hashed.push(path.relative(root, filePath));
  return crc64FileOf(filePath);
};
const rules = new IgnoreRules();

/** Journal rows (synced, with the current stamps) for every file, in SQLite's order. */
async function syncedRows(): Promise<JournalEntry[]> {
  const scan = await scanFolder({ root, rules, crc64File, known: new Map() });
  return scan.entries
    .flatMap((entry) => (entry.kind === 'file' ? [{ path: entry.path, size: entry.size, mtimeMs: entry.mtimeMs, inode: entry.inode, crc64: entry.crc64, state: 'synced' as const, remoteEtag: '"e"' }] : []))
    .sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

/** The whole-row look-up of {@link scanAgainstJournal} over rows held in memory. */
const rowOf = (rows: JournalEntry[]) => (relative: string): JournalEntry | undefined => rows.find((row) => row.path === relative);

const planOptions: PlanOptions = { now: 0, deletePolicy: 'mirror', markerPresent: true, maxDeleteFiles: 100, maxDeletePercent: 100, folderFileCount: NAMES.length, cleanPass: true };
const summary = (actions: ReturnType<typeof plan>): string[] => actions.map((action) => `${action.type} ${'path' in action ? action.path : ''}${'from' in action ? ` from ${action.from}` : ''}`);

describe('compareUtf8', () => {
  test('orders strings as their UTF-8 bytes (SQLite BINARY)', () => {
    const strings = ['a', 'a/b', 'a-b', 'a0', 'é', '\uFFFD', '😀', '\uE000', 'z', ''];
    const bytes = [...strings].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    assert.deepEqual([...strings].sort(compareUtf8), bytes);
    assert.notDeepEqual([...strings].sort(), bytes, 'the default order differs, so this test can fail');
  });
});

describe('scanAgainstJournal', () => {
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'cos-sync-merged-'));
    hashed = [];
    for (const name of NAMES) {
      mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      writeFileSync(path.join(root, name), `content of ${name}`);
    }
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('an unchanged folder keeps nothing: no entry, no row, no file read', async () => {
    const rows = await syncedRows();
    hashed = [];
    const scan = await scanAgainstJournal({ root, rules, crc64File, rows, row: rowOf(rows), contentRows: () => [] });
    assert.equal(scan.ordered, true);
    assert.equal(scan.unchanged, NAMES.length);
    assert.deepEqual(scan.entries, []);
    assert.deepEqual(scan.known, []);
    assert.deepEqual(hashed, []);
  });

  test('new, changed, vanished, renamed, copied and excluded paths plan exactly as the classic full scan', async () => {
    const rows = await syncedRows();
    writeFileSync(path.join(root, 'a/x.txt'), 'changed');
    unlinkSync(path.join(root, 'a-b.txt'));
    unlinkSync(path.join(root, 'b/e.txt'));
    writeFileSync(path.join(root, 'b/moved-e.txt'), 'content of b/e.txt');
    writeFileSync(path.join(root, 'a0 copy.txt'), 'content of a0.txt');
    writeFileSync(path.join(root, 'new.txt'), 'new');
    symlinkSync(path.join(root, 'c.txt'), path.join(root, 'b/link'));
    hashed = [];
    const merged = await scanAgainstJournal({
      root, rules, crc64File, rows, row: rowOf(rows),
      contentRows: (size, crc64) => rows.filter((row) => row.size === size && row.crc64 === crc64),
    });
    assert.equal(merged.ordered, true);
    assert.deepEqual(hashed.sort(), ['a/x.txt', 'a0 copy.txt', 'b/moved-e.txt', 'new.txt']);
    const classic = await scanFolder({ root, rules, crc64File, known: new Map(rows.map((row) => [row.path, row])) });
    const expected = summary(plan(classic.entries, rows, planOptions));
    assert.deepEqual(summary(plan(merged.entries, merged.known, planOptions)), expected);
    assert.deepEqual(expected, [
      'exclude b/link', 'copy a0 copy.txt from a0.txt', 'move b/moved-e.txt from b/e.txt', 'upload a/x.txt', 'upload new.txt', 'delete a-b.txt',
    ]);
    assert.ok(merged.known.length < rows.length, 'unchanged rows are not kept');
  });
});

describe('Journal.stampsInPathOrder', () => {
  test('yields every row of the folder in byte order, a page at a time, with the stamp columns', () => {
    const journal = Journal.open(':memory:');
    try {
      journal.registerFolder('f', '/tmp/f');
      journal.registerFolder('other', '/tmp/other');
      const stamp = { size: 1, mtimeMs: 1, inode: 1 };
      for (const name of NAMES) journal.setLocal('f', name, 'queued', stamp, undefined);
      journal.setLocal('other', 'a.txt', 'queued', stamp, undefined);
      journal.markRemote('f', 'c.txt', 'synced', { size: 2, mtimeMs: 2.5, inode: 7 }, { crc64: '42', etag: '"e"', encryption: { algorithm: 'AES256' }, uploaded: true });
      const stamps = [...journal.stampsInPathOrder('f', 3)];
      assert.deepEqual(stamps.map((row) => row.path), [...NAMES].sort(compareUtf8));
      assert.deepEqual(stamps.find((row) => row.path === 'c.txt'), { path: 'c.txt', size: 2, mtimeMs: 2.5, inode: 7, crc64: '42', state: 'synced' });
      assert.deepEqual(stamps.find((row) => row.path === 'a.txt'), { path: 'a.txt', size: 1, mtimeMs: 1, inode: 1, crc64: undefined, state: 'queued' });
    } finally {
      journal.close();
    }
  });
});
