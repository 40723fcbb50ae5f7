/** The merged full scan at scale: thousands of files in a real journal read in small pages, every kind of change found. */
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { IgnoreRules } from '../../core/sync/ignoreRules.ts';
import { Journal } from '../../core/sync/journal.ts';
import { scanAgainstJournal } from '../../core/sync/mergedScan.ts';
import { plan, type PlanOptions } from '../../core/sync/planner.ts';
import { scanFolder } from '../../core/sync/scanner.ts';
import { crc64FileOf } from '../fakes/memoryRemoteStore.ts';

const FOLDER = 'scale';
const DIRECTORIES = 40;
const PER_DIRECTORY = 100;
let base: string;
let root: string;
let journal: Journal;
const rules = new IgnoreRules('ignored-dir/\n');
const name = (directory: number, file: number): string => `d${directory}/${file % 3 === 0 ? 'sub/' : ''}f${file}${file % 5 === 0 ? '-é' : ''}.bin`;

before(() => {
  base = mkdtempSync(path.join(tmpdir(), 'cos-sync-merged-scale-'));
  root = path.join(base, 'tree');
  journal = Journal.open(path.join(base, 'journal.sqlite'));
  journal.registerFolder(FOLDER, root);
  journal.transaction(() => {
    for (let directory = 0; directory < DIRECTORIES; directory++) {
      for (let file = 0; file < PER_DIRECTORY; file++) {
        const relative = name(directory, file);
        mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
        writeFileSync(path.join(root, relative), `content ${relative}`);
        // Whole seconds, so that a replacement can carry exactly the same mtime (only its inode differs).
        utimesSync(path.join(root, relative), 1_700_000_000, 1_700_000_000 + file);
        const stats = lstatSync(path.join(root, relative));
        journal.markRemote(FOLDER, relative, 'synced', { size: stats.size, mtimeMs: stats.mtimeMs, inode: stats.ino }, { crc64: `crc ${relative}`, etag: '"e"', encryption: { algorithm: 'AES256' }, uploaded: true });
      }
    }
  });
});
after(() => {
  journal.close();
  rmSync(base, { recursive: true, force: true });
});

test('4,000 files read against the journal in pages of 64: every changed, new, replaced and deleted file is found, nothing else', async () => {
  const total = DIRECTORIES * PER_DIRECTORY;
  const changed = new Set<string>();
  const vanished = new Set<string>();
  const touch = (relative: string, how: 'size' | 'mtime' | 'inode' | 'delete'): void => {
    const full = path.join(root, relative);
    if (how === 'delete') {
      unlinkSync(full);
      vanished.add(relative);
      return;
    }
    if (how === 'size') writeFileSync(full, `longer content of ${relative}`);
    if (how === 'mtime') utimesSync(full, new Date(), new Date(Date.now() + 60_000));
    if (how === 'inode') {
      // Same bytes and mtime under a new inode (an editor's save by rename).
      const stats = lstatSync(full);
      writeFileSync(`${full}.new`, `content ${relative}`);
      utimesSync(`${full}.new`, stats.mtimeMs / 1000, stats.mtimeMs / 1000);
      assert.equal(lstatSync(`${full}.new`).mtimeMs, stats.mtimeMs);
      renameSync(`${full}.new`, full);
    }
    changed.add(relative);
  };
  const kinds = ['size', 'mtime', 'inode', 'delete'] as const;
  for (let index = 0; index < 60; index++) touch(name((index * 7) % DIRECTORIES, (index * 13) % PER_DIRECTORY), kinds[index % kinds.length]!);
  // A whole directory gone, one renamed into an ignored name, a file replaced by a directory, new files old and new places.
  for (let file = 0; file < PER_DIRECTORY; file++) if (!vanished.has(name(39, file))) vanished.add(name(39, file));
  rmSync(path.join(root, 'd39'), { recursive: true });
  renameSync(path.join(root, 'd38'), path.join(root, 'ignored-dir'));
  for (let file = 0; file < PER_DIRECTORY; file++) vanished.add(name(38, file));
  for (const gone of vanished) changed.delete(gone);
  const replaced = name(1, 1);
  unlinkSync(path.join(root, replaced));
  mkdirSync(path.join(root, replaced));
  writeFileSync(path.join(root, replaced, 'inside.txt'), 'inside');
  vanished.add(replaced);
  changed.delete(replaced);
  for (const fresh of [`${replaced}/inside.txt`, 'd2/new.txt', 'd2/sub/new.txt', 'new-dir/a/b.txt', 'zz-last.txt', 'a-first.txt']) {
    mkdirSync(path.dirname(path.join(root, fresh)), { recursive: true });
    writeFileSync(path.join(root, fresh), `new ${fresh}`);
    changed.add(fresh);
  }

  const merged = await scanAgainstJournal({
    root,
    rules,
    crc64File: crc64FileOf,
    rows: journal.stampsInPathOrder(FOLDER, 64),
    row: (relative) => journal.get(FOLDER, relative),
    contentRows: (size, crc64) => journal.entriesWithContent(FOLDER, size, crc64),
  });
  assert.equal(merged.ordered, true);
  assert.deepEqual(merged.errors, []);
  assert.deepEqual(new Set(merged.entries.map((entry) => entry.path)), changed, 'exactly the new and changed files');
  const knownOnly = new Set(merged.known.map((row) => row.path).filter((relative) => !changed.has(relative)));
  assert.deepEqual(knownOnly, vanished, 'exactly the rows whose files are gone');
  const stillThere = changed.size - 6; // the new files have no row
  assert.equal(merged.unchanged, total - vanished.size - stillThere);

  // The same plan as the classic scan, which holds every row and every file in memory.
  const rows = journal.entries(FOLDER);
  const classic = await scanFolder({ root, rules, crc64File: crc64FileOf, known: new Map(rows.map((row) => [row.path, row])) });
  const options: PlanOptions = { now: 0, deletePolicy: 'mirror', markerPresent: true, maxDeleteFiles: total, maxDeletePercent: 100, folderFileCount: total, cleanPass: true };
  const summary = (actions: ReturnType<typeof plan>): string[] => actions.map((action) => `${action.type} ${'path' in action ? action.path : ''}`).sort();
  assert.deepEqual(summary(plan(merged.entries, merged.known, options)), summary(plan(classic.entries, rows, options)));
});
