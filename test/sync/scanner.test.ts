/** Scanner tests on a real temp folder: skip-without-read for unchanged files, excluded entries, ignore rules, partial scans. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { IgnoreRules } from '../../core/sync/ignoreRules.ts';
import type { JournalEntry } from '../../core/sync/journal.ts';
import type { LocalEntry } from '../../core/sync/planner.ts';
import { scanFolder } from '../../core/sync/scanner.ts';
import { crc64FileOf } from '../fakes/memoryRemoteStore.ts';

let root: string;
let hashed: string[];
const crc64File = async (filePath: string): Promise<string> => {
  hashed.push(path.relative(root, filePath));
  return crc64FileOf(filePath);
};
const toKnown = (entries: LocalEntry[]): Map<string, JournalEntry> =>
  new Map(entries.flatMap((e) => (e.kind === 'file' ? [[e.path, { path: e.path, size: e.size, mtimeMs: e.mtimeMs, inode: e.inode, crc64: e.crc64, state: 'synced' } as JournalEntry]] : [])));
const byPath = (entries: LocalEntry[]): Record<string, string> => Object.fromEntries(entries.map((e) => [e.path, e.kind === 'excluded' ? `excluded:${e.reason}` : e.kind]).sort());

describe('scanFolder', () => {
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'cos-sync-scan-'));
    hashed = [];
    mkdirSync(path.join(root, 'docs/deep'), { recursive: true });
    mkdirSync(path.join(root, '.git/objects'), { recursive: true });
    mkdirSync(path.join(root, 'node_modules/x'), { recursive: true });
    writeFileSync(path.join(root, 'a.txt'), 'alpha');
    writeFileSync(path.join(root, 'docs/b.md'), 'bravo');
    writeFileSync(path.join(root, 'docs/deep/c.bin'), Buffer.alloc(3000, 7));
    writeFileSync(path.join(root, '.git/objects/x'), 'git object');
    writeFileSync(path.join(root, 'node_modules/x/index.js'), 'module');
    writeFileSync(path.join(root, '.DS_Store'), 'junk');
    writeFileSync(path.join(root, '~$report.docx'), 'lock');
    writeFileSync(path.join(root, 'draft.tmp'), 'tmp');
    symlinkSync(path.join(root, 'a.txt'), path.join(root, 'link'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('finds regular files, skips ignored ones, excludes symlinks and FIFOs with a reason', async () => {
    const fifo = spawnSync('mkfifo', [path.join(root, 'pipe')]).status === 0;
    const result = await scanFolder({ root, rules: new IgnoreRules(), crc64File, known: new Map() });
    assert.deepEqual(byPath(result.entries), {
      'a.txt': 'file',
      'docs/b.md': 'file',
      'docs/deep/c.bin': 'file',
      link: 'excluded:symlink',
      'node_modules/x/index.js': 'file',
      ...(fifo ? { pipe: 'excluded:fifo' } : {}),
    });
    assert.deepEqual(result.scope, { paths: [], directories: [''] });
    assert.equal(result.hashed, 4);
    assert.equal(result.markerPresent, false);
    const a = result.entries.find((e) => e.path === 'a.txt');
    assert.equal(a?.kind === 'file' ? a.crc64 : '', await crc64FileOf(path.join(root, 'a.txt')));
  });

  test('does not read unchanged files (size + mtime + inode equal the journal)', async () => {
    const first = await scanFolder({ root, rules: new IgnoreRules(), crc64File, known: new Map() });
    hashed = [];
    const second = await scanFolder({ root, rules: new IgnoreRules(), crc64File, known: toKnown(first.entries) });
    assert.deepEqual(hashed, []);
    assert.equal(second.hashed, 0);
    assert.deepEqual(second.entries.sort((x, y) => x.path.localeCompare(y.path)), first.entries.sort((x, y) => x.path.localeCompare(y.path)));

    // Change one file's content, another file's mtime only: both are read again, nothing else.
    writeFileSync(path.join(root, 'docs/b.md'), 'bravo2');
    utimesSync(path.join(root, 'a.txt'), new Date(2020, 1, 1), new Date(2020, 1, 1));
    const third = await scanFolder({ root, rules: new IgnoreRules(), crc64File, known: toKnown(first.entries) });
    assert.deepEqual(hashed.sort(), ['a.txt', 'docs/b.md']);
    assert.equal(third.hashed, 2);
  });

  test('.cosignore rules and the marker file', async () => {
    writeFileSync(path.join(root, '.cosignore'), 'docs/deep/\n*.md\n');
    writeFileSync(path.join(root, '.cos-sync-root'), '');
    const { rules } = await IgnoreRules.load(root);
    const result = await scanFolder({ root, rules, crc64File, known: new Map() });
    assert.deepEqual(Object.keys(byPath(result.entries)).sort(), ['.cosignore', 'a.txt', 'link', 'node_modules/x/index.js']);
    assert.equal(result.markerPresent, true);
  });

  test('partial scan covers the given paths and subtrees, gone paths included in the scope', async () => {
    const result = await scanFolder({ root, rules: new IgnoreRules(), crc64File, known: new Map(), paths: ['docs', 'gone.txt', '.git/objects/x', 'a.txt'] });
    assert.deepEqual(Object.keys(byPath(result.entries)).sort(), ['a.txt', 'docs/b.md', 'docs/deep/c.bin']);
    assert.deepEqual(result.scope.directories.sort(), ['a.txt', 'docs', 'gone.txt']);
    assert.deepEqual(result.incompleteDirectories, []);
  });

  test('a path inside another requested directory is listed once (a new nested folder arrives as several events)', async () => {
    const result = await scanFolder({ root, rules: new IgnoreRules(), crc64File, known: new Map(), paths: ['docs', 'docs/deep', 'docs/deep/c.bin'] });
    assert.deepEqual(result.entries.map((entry) => entry.path).sort(), ['docs/b.md', 'docs/deep/c.bin']);
    assert.deepEqual(hashed.sort(), ['docs/b.md', 'docs/deep/c.bin']);
  });

  test('a missing root is reported as incomplete, not as an empty folder', async () => {
    const result = await scanFolder({ root: path.join(root, 'not-mounted'), rules: new IgnoreRules(), crc64File, known: new Map() });
    assert.deepEqual(result.entries, []);
    assert.deepEqual(result.incompleteDirectories, ['']);
  });

  test('a file that cannot be hashed is reported unreadable', async () => {
    const failing = async (): Promise<string> => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    const result = await scanFolder({ root, rules: new IgnoreRules(), crc64File: failing, known: new Map(), paths: ['a.txt'] });
    assert.equal(result.entries[0]?.kind, 'unreadable');
  });
});
