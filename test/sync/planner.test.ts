/** Table tests of the pure planner: uploads, skips, renames, moves, delete policies and every delete guard. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JournalEntry } from '../../core/sync/journal.ts';
import { type Action, type LocalEntry, plan, type PlanOptions, type RemoteEntry } from '../../core/sync/planner.ts';

const file = (path: string, size = 10, mtimeMs = 1000, inode = 1, crc64 = `crc-${path}`): LocalEntry => ({ path, kind: 'file', size, mtimeMs, inode, crc64 });
const row = (path: string, state: JournalEntry['state'] = 'synced', size = 10, mtimeMs = 1000, inode = 1, crc64: string | undefined = `crc-${path}`, extra: Partial<JournalEntry> = {}): JournalEntry => ({
  path, size, mtimeMs, inode, crc64, state, remoteEtag: state === 'synced' || state === 'identical' ? '"e"' : undefined, ...extra,
});
const base: PlanOptions = { now: 10_000, deletePolicy: 'keep', markerPresent: true, maxDeleteFiles: 100, maxDeletePercent: 50, cleanPass: true };
/** Compact form: "type path[<from]". */
const brief = (actions: Action[]): string[] =>
  actions.map((action) => {
    if (action.type === 'move' || action.type === 'copy') return `${action.type} ${action.path}<${action.from}`;
    if ('path' in action) return `${action.type} ${action.path}`;
    return `${action.type} ${action.count}`;
  });

interface Case {
  name: string;
  local: LocalEntry[];
  journal: JournalEntry[];
  options?: Partial<PlanOptions>;
  expect: string[];
}

const many = (count: number, prefix: string): JournalEntry[] => Array.from({ length: count }, (_, i) => row(`${prefix}${i}`, 'synced', 10, 1000, 1000 + i, `c${prefix}${i}`));

const cases: Case[] = [
  { name: 'empty', local: [], journal: [], expect: [] },
  { name: 'new file uploads', local: [file('a')], journal: [], expect: ['upload a'] },
  { name: 'unchanged size+mtime+inode skips', local: [file('a')], journal: [row('a')], expect: [] },
  { name: 'identical row unchanged skips', local: [file('a')], journal: [row('a', 'identical')], expect: [] },
  { name: 'changed size uploads', local: [file('a', 11, 1000, 1, 'x')], journal: [row('a')], expect: ['upload a'] },
  { name: 'changed mtime, same content refreshes', local: [file('a', 10, 2000)], journal: [row('a')], expect: ['refresh a'] },
  { name: 'changed inode, same content refreshes', local: [file('a', 10, 1000, 9)], journal: [row('a')], expect: ['refresh a'] },
  { name: 'changed mtime and content uploads', local: [file('a', 10, 2000, 1, 'new')], journal: [row('a')], expect: ['upload a'] },
  { name: 'queued row resumes', local: [file('a')], journal: [row('a', 'queued')], expect: ['upload a'] },
  { name: 'uploading row (crash) resumes', local: [file('a')], journal: [row('a', 'uploading')], expect: ['upload a'] },
  { name: 'error row not due waits', local: [file('a')], journal: [row('a', 'error', 10, 1000, 1, 'crc-a', { nextRetryAt: 20_000 })], expect: [] },
  { name: 'error row due retries', local: [file('a')], journal: [row('a', 'error', 10, 1000, 1, 'crc-a', { nextRetryAt: 5_000 })], expect: ['upload a'] },
  { name: 'error row whose file changed retries at once', local: [file('a', 12)], journal: [row('a', 'error', 10, 1000, 1, 'crc-a', { nextRetryAt: 20_000 })], expect: ['upload a'] },
  { name: 'excluded entry records exclusion', local: [{ path: 'l', kind: 'excluded', reason: 'symlink', size: 0, mtimeMs: 0 }], journal: [], expect: ['exclude l'] },
  { name: 'excluded entry already recorded: nothing', local: [{ path: 'l', kind: 'excluded', reason: 'symlink', size: 0, mtimeMs: 0 }], journal: [row('l', 'excluded')], expect: [] },
  { name: 'formerly excluded now regular uploads', local: [file('l')], journal: [row('l', 'excluded')], expect: ['upload l'] },
  { name: 'unreadable file fails', local: [{ path: 'u', kind: 'unreadable', message: 'EACCES', size: 1, mtimeMs: 1, inode: 1 }], journal: [], expect: ['fail u'] },
  { name: 'deleted-locally file back with same content refreshes', local: [file('a')], journal: [row('a', 'deleted-locally')], expect: ['refresh a'] },
  { name: 'deleted-locally file back with new content uploads', local: [file('a', 10, 1000, 1, 'z')], journal: [row('a', 'deleted-locally')], expect: ['upload a'] },
  // Renames and moves.
  { name: 'rename in place (same content) moves', local: [file('b', 10, 1000, 1, 'crc-a')], journal: [row('a')], expect: ['move b<a'] },
  { name: 'move between directories', local: [file('y/a.txt', 10, 1000, 1, 'crc-x/a.txt')], journal: [row('x/a.txt')], expect: ['move y/a.txt<x/a.txt'] },
  { name: 'rename with new inode but same content still moves', local: [file('b', 10, 1000, 7, 'crc-a')], journal: [row('a')], expect: ['move b<a'] },
  { name: 'same inode but different content: upload + keep old', local: [file('b', 10, 1000, 1, 'other')], journal: [row('a')], expect: ['forget-local a', 'upload b'] },
  { name: 'two candidates: inode picks the source', local: [file('n', 10, 1000, 2, 'same')], journal: [row('a', 'synced', 10, 1000, 1, 'same'), row('b', 'synced', 10, 1000, 2, 'same')], expect: ['forget-local a', 'move n<b'] },
  { name: 'one source, two new copies: move + upload', local: [file('n1', 10, 1000, 5, 'same'), file('n2', 10, 1000, 6, 'same')], journal: [row('a', 'synced', 10, 1000, 1, 'same')], expect: ['move n1<a', 'upload n2'] },
  { name: 'vanished queued row is not a move source', local: [file('b', 10, 1000, 1, 'crc-a')], journal: [row('a', 'queued')], expect: ['drop a', 'upload b'] },
  { name: 'duplicate of a present synced file copies', local: [file('a'), file('dup', 10, 1000, 2, 'crc-a')], journal: [row('a')], expect: ['copy dup<a'] },
  { name: 'keep: new file with the content of a deleted-locally row copies its kept object', local: [file('n', 10, 1000, 5, 'crc-old')], journal: [row('old', 'deleted-locally', 10, 1000, 1, 'crc-old', { remoteEtag: '"e"' })], expect: ['copy n<old'] },
  { name: 'a deleted-locally row that came back is not a copy source for itself', local: [file('old', 10, 2000, 1, 'crc-old')], journal: [row('old', 'deleted-locally', 10, 1000, 1, 'crc-old', { remoteEtag: '"e"' })], expect: ['refresh old'] },
  { name: 'duplicate of a changed file uploads', local: [file('a', 10, 3000, 1, 'crc-new'), file('dup', 10, 1000, 2, 'crc-a')], journal: [row('a')], expect: ['upload a', 'upload dup'] },
  { name: 'directory rename moves every file', local: [file('new/1', 10, 1000, 1, 'c1'), file('new/2', 10, 1000, 2, 'c2')], journal: [row('old/1', 'synced', 10, 1000, 1, 'c1'), row('old/2', 'synced', 10, 1000, 2, 'c2')], expect: ['move new/1<old/1', 'move new/2<old/2'] },
  { name: 'a move deletes the old key even when the marker is missing', local: [file('b', 10, 1000, 1, 'crc-a')], journal: [row('a')], options: { deletePolicy: 'mirror', markerPresent: false }, expect: ['move b<a'] },
  // Delete policies.
  { name: 'keep: local delete marks deleted-locally', local: [], journal: [row('a')], expect: ['forget-local a'] },
  { name: 'keep: already deleted-locally: nothing', local: [], journal: [row('a', 'deleted-locally')], expect: [] },
  { name: 'vanished queued row is dropped', local: [], journal: [row('a', 'queued')], expect: ['drop a'] },
  { name: 'vanished excluded row is dropped', local: [], journal: [row('a', 'excluded')], expect: ['drop a'] },
  { name: 'vanished error row with an older remote version is a delete candidate', local: [], journal: [row('a', 'error', 10, 1000, 1, 'c', { remoteEtag: '"old"' })], options: { deletePolicy: 'mirror', folderFileCount: 10 }, expect: ['delete a'] },
  { name: 'mirror: deletes', local: [file('b'), file('c'), file('d')], journal: [row('a'), row('b'), row('c'), row('d')], options: { deletePolicy: 'mirror' }, expect: ['delete a'] },
  { name: 'backup: moves to trash', local: [file('b'), file('c')], journal: [row('a'), row('b'), row('c')], options: { deletePolicy: 'backup', trashFolder: '.cos-sync-trash/T/' }, expect: ['backup a'] },
  { name: 'mirror: marker missing refuses', local: [file('b'), file('c')], journal: [row('a'), row('b'), row('c')], options: { deletePolicy: 'mirror', markerPresent: false }, expect: ['refuse-deletes 1'] },
  { name: 'backup: marker missing refuses', local: [], journal: [row('a')], options: { deletePolicy: 'backup', markerPresent: false }, expect: ['refuse-deletes 1'] },
  { name: 'mirror: a partial (watcher) pass waits for a full scan', local: [file('b'), file('c')], journal: [row('a'), row('b'), row('c')], options: { deletePolicy: 'mirror', partial: true }, expect: ['await-full-scan 1'] },
  { name: 'backup: a partial pass waits for a full scan', local: [], journal: many(2, 'f'), options: { deletePolicy: 'backup', partial: true, folderFileCount: 10 }, expect: ['await-full-scan 2'] },
  { name: 'keep: a partial pass still marks deleted-locally', local: [], journal: [row('a')], options: { partial: true }, expect: ['forget-local a'] },
  { name: 'mirror: unclean pass defers', local: [file('b'), file('c')], journal: [row('a'), row('b'), row('c')], options: { deletePolicy: 'mirror', cleanPass: false }, expect: ['defer-deletes 1'] },
  { name: 'mirror: over N files asks', local: [file('keep0')], journal: [...many(150, 'f'), row('keep0')], options: { deletePolicy: 'mirror', maxDeletePercent: 100 }, expect: ['confirm-deletes 150'] },
  { name: 'mirror: exactly N files proceeds', local: [], journal: many(3, 'f'), options: { deletePolicy: 'mirror', maxDeleteFiles: 3, maxDeletePercent: 100 }, expect: ['delete f0', 'delete f1', 'delete f2'] },
  { name: 'mirror: over N % asks', local: [file('f0', 10, 1000, 1000, 'cf0')], journal: many(3, 'f'), options: { deletePolicy: 'mirror' }, expect: ['confirm-deletes 2'] },
  { name: 'mirror: percent uses folderFileCount', local: [], journal: many(2, 'f'), options: { deletePolicy: 'mirror', folderFileCount: 10 }, expect: ['delete f0', 'delete f1'] },
  { name: 'mirror: confirmed count proceeds', local: [], journal: many(3, 'f'), options: { deletePolicy: 'mirror', deletesConfirmed: 3 }, expect: ['delete f0', 'delete f1', 'delete f2'] },
  { name: 'mirror: more than confirmed asks again', local: [], journal: many(4, 'f'), options: { deletePolicy: 'mirror', deletesConfirmed: 3 }, expect: ['confirm-deletes 4'] },
  { name: 'empty folder (unmounted disk) with marker gone refuses everything', local: [], journal: many(5, 'f'), options: { deletePolicy: 'mirror', markerPresent: false }, expect: ['refuse-deletes 5'] },
  { name: 'unreadable directory: rows under it are left alone', local: [file('a')], journal: [row('a'), row('locked/x'), row('locked/y')], options: { deletePolicy: 'mirror', incompleteDirectories: ['locked'] }, expect: [] },
  { name: 'newly ignored vanished row is excluded, never deleted', local: [], journal: [row('build/out.o')], options: { deletePolicy: 'mirror', isIgnored: (p) => p.startsWith('build/') }, expect: ['exclude build/out.o'] },
  // First sync into a non-empty prefix.
  { name: 'remote identical (same size + CRC) is not uploaded', local: [file('a')], journal: [], options: { remote: new Map<string, RemoteEntry>([['a', { path: 'a', size: 10, etag: '"r"', crc64: 'crc-a' }]]) }, expect: ['identical a'] },
  { name: 'remote differs: upload that records what it replaces', local: [file('a')], journal: [], options: { remote: new Map<string, RemoteEntry>([['a', { path: 'a', size: 10, etag: '"r"', crc64: 'other' }]]) }, expect: ['upload a'] },
  { name: 'remote without CRC: upload with replaces (executor HEADs first)', local: [file('a')], journal: [], options: { remote: new Map<string, RemoteEntry>([['a', { path: 'a', size: 10, etag: '"r"' }]]) }, expect: ['upload a'] },
  { name: 'remote objects without local files are never deleted', local: [], journal: [], options: { deletePolicy: 'mirror', remote: new Map<string, RemoteEntry>([['z', { path: 'z', size: 1, etag: '"r"' }]]) }, expect: [] },
];

describe('plan', () => {
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(brief(plan(c.local, c.journal, { ...base, ...c.options })), c.expect);
    });
  }

  test('upload carries replaces when the remote differs', () => {
    const remote = new Map<string, RemoteEntry>([['a', { path: 'a', size: 10, etag: '"r"', crc64: 'other' }]]);
    const [action] = plan([file('a')], [], { ...base, remote });
    assert.equal(action?.type, 'upload');
    assert.deepEqual(action?.type === 'upload' ? action.replaces : undefined, { path: 'a', size: 10, etag: '"r"', crc64: 'other' });
  });

  test('backup targets the trash folder', () => {
    const [action] = plan([], [row('d/a')], { ...base, deletePolicy: 'backup', folderFileCount: 10, trashFolder: '.cos-sync-trash/20260101T000000Z/' });
    assert.deepEqual(action, { type: 'backup', path: 'd/a', size: 10, trashPath: '.cos-sync-trash/20260101T000000Z/d/a' });
  });

  test('is deterministic regardless of input order and sorts deletes last', () => {
    const local = [file('z'), file('b', 10, 1000, 1, 'crc-a'), file('m', 5)];
    const journal = [row('m'), row('a'), row('gone')];
    const options: Partial<PlanOptions> = { deletePolicy: 'mirror', maxDeletePercent: 100 };
    const first = plan(local, journal, { ...base, ...options });
    const second = plan(local.toReversed(), journal.toReversed(), { ...base, ...options });
    assert.deepEqual(first, second);
    assert.deepEqual(brief(first), ['move b<a', 'upload m', 'upload z', 'delete gone']);
  });

  test('does not mutate its inputs', () => {
    const local = [file('b'), file('a')];
    const journal = [row('c'), row('a')];
    const frozenLocal = structuredClone(local);
    const frozenJournal = structuredClone(journal);
    plan(local, journal, base);
    assert.deepEqual(local, frozenLocal);
    assert.deepEqual(journal, frozenJournal);
  });
});
