/** End-to-end: SyncManager + FolderLoop + executor against the in-memory RemoteStore on real temp folders. */
import assert from 'node:assert/strict';
import { renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileCounts, listActivity, listFiles } from '../../core/sync/journalQueries.ts';
import { createChokidarWatcher } from '../../core/sync/watcherChokidar.ts';
import { nativeWatcherFactory } from '../../core/sync/watcherNative.ts';
import { crc64FileOf } from '../fakes/memoryRemoteStore.ts';
import { createHarness, lastState, scriptedWatcher, waitFor } from './syncHarness.ts';

describe('FolderLoop end-to-end', () => {
  test('first sync uploads everything with confirmed encryption; a restart reads and uploads nothing', async () => {
    const h = await createHarness({ files: { 'a.txt': 'alpha', 'docs/b.md': 'bravo', 'docs/deep/c.bin': Buffer.alloc(5000, 3), '.DS_Store': 'junk' } });
    try {
      await h.manager.whenIdle();
      assert.deepEqual([...h.store.objects.keys()].sort(), ['backup/a.txt', 'backup/docs/b.md', 'backup/docs/deep/c.bin']);
      assert.equal(h.store.text('backup/a.txt'), 'alpha');
      assert.equal(lastState(h), 'idle');
      assert.ok(h.statuses.some((s) => s.state === 'scanning'));
      assert.ok(h.statuses.some((s) => s.state === 'syncing' && s.filesTotal === 3));
      const counts = fileCounts(h.manager.journal, 'f1');
      assert.equal(counts.synced.count, 3);
      assert.equal(counts.synced.bytes, 5 + 5 + 5000);
      const page = listFiles(h.manager.journal, 'f1', { limit: 10 });
      assert.deepEqual(page.rows.map((r) => [r.path, r.state, r.encryption?.algorithm]), [
        ['a.txt', 'synced', 'AES256'],
        ['docs/b.md', 'synced', 'AES256'],
        ['docs/deep/c.bin', 'synced', 'AES256'],
      ]);
      assert.ok(h.files.some((f) => f.path === 'a.txt' && f.state === 'synced'));
      assert.equal(listActivity(h.manager.journal, { folderId: 'f1' }).filter((a) => a.action === 'uploaded').length, 3);

      h.hashed.length = 0;
      const callsBefore = h.store.calls.length;
      await h.restart();
      await h.manager.whenIdle();
      assert.deepEqual(h.hashed, [], 'unchanged files are not read on restart');
      assert.deepEqual(h.store.calls.slice(callsBefore).filter((c) => !c.startsWith('head')), [], 'no remote work on restart');
    } finally {
      await h.close();
    }
  });

  test('a new file is read for its CRC-64 only when it may equal something; the upload\'s CRC-64 is recorded and finds renames', async () => {
    const h = await createHarness({ files: { 'a.txt': 'alpha', 'b.txt': 'bravo' } });
    try {
      await h.manager.whenIdle();
      assert.deepEqual(h.hashed, [], 'a first sync into an empty prefix reads each file once, to upload it');
      assert.equal(h.manager.journal.get('f1', 'a.txt')?.crc64, await crc64FileOf(path.join(h.root, 'a.txt')), 'the CRC-64 sent is recorded');
      h.write('c.txt', 'charl');
      h.write('d.txt', 'delta!!');
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      assert.deepEqual(h.hashed, ['c.txt'], 'only the file with the size of known content is read first');
      const calls = h.store.calls.length;
      renameSync(path.join(h.root, 'a.txt'), path.join(h.root, 'e.txt'));
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      assert.deepEqual(h.store.calls.slice(calls).filter((call) => !call.startsWith('head')), ['copy backup/a.txt>backup/e.txt', 'delete backup/a.txt'], 'a rename is a server-side move');
      assert.equal(h.store.text('backup/e.txt'), 'alpha');
    } finally {
      await h.close();
    }
  });

  test('a rename whose remote source was replaced meanwhile is uploaded, never recorded as a copy of other content', async () => {
    const h = await createHarness({ files: { 'b.txt': 'bravo' } });
    try {
      await h.manager.whenIdle();
      h.store.seed('backup/b.txt', 'changed by someone else', { algorithm: 'AES256' });
      renameSync(path.join(h.root, 'b.txt'), path.join(h.root, 'b-renamed.txt'));
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      assert.equal(h.store.text('backup/b-renamed.txt'), 'bravo');
      assert.equal(h.manager.journal.get('f1', 'b-renamed.txt')?.state, 'synced');
      assert.equal(h.store.text('backup/b.txt'), 'changed by someone else', 'the replaced source is kept');
    } finally {
      await h.close();
    }
  });

  test('changes found by a rescan: modified, renamed, moved between directories, deleted (keep policy)', async () => {
    const h = await createHarness({ files: { 'a.txt': 'alpha', 'b.txt': 'bravo', 'x/c.txt': 'charlie', 'gone.txt': 'delta' } });
    try {
      await h.manager.whenIdle();
      h.write('a.txt', 'alpha 2');
      renameSync(path.join(h.root, 'b.txt'), path.join(h.root, 'b-renamed.txt'));
      h.write('y/.keep', '');
      renameSync(path.join(h.root, 'x/c.txt'), path.join(h.root, 'y/c.txt'));
      unlinkSync(path.join(h.root, 'gone.txt'));
      const callsBefore = h.store.calls.length;
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      const calls = h.store.calls.slice(callsBefore);
      assert.ok(calls.includes('copy backup/b.txt>backup/b-renamed.txt'), calls.join(', '));
      assert.ok(calls.includes('delete backup/b.txt'));
      assert.ok(calls.includes('copy backup/x/c.txt>backup/y/c.txt'));
      assert.ok(!calls.some((c) => c.startsWith('upload backup/b-renamed.txt')), 'renames are not uploaded again');
      assert.equal(h.store.text('backup/a.txt'), 'alpha 2');
      assert.equal(h.store.text('backup/gone.txt'), 'delta', 'keep policy leaves the remote object');
      assert.equal(h.manager.journal.get('f1', 'gone.txt')?.state, 'deleted-locally');
      assert.equal(h.manager.journal.get('f1', 'b.txt'), undefined);
      assert.equal(h.manager.journal.get('f1', 'b-renamed.txt')?.state, 'synced');
      assert.ok(h.activity.some((a) => a.action === 'moved' && a.path === 'b-renamed.txt'));
    } finally {
      await h.close();
    }
  });

  for (const [name, createWatcher] of [['chokidar', createChokidarWatcher], ['fs.watch', nativeWatcherFactory({ recursive: false })]] as const) {
  test(`the watcher (${name}) drives uploads, renames and deletes without a rescan`, async () => {
    const h = await createHarness({ files: { 'a.txt': 'alpha' }, config: { watch: true, rescanIntervalMs: 3_600_000 }, manager: { createWatcher } });
    try {
      await h.manager.whenIdle();
      h.write('new.txt', 'brand new');
      await waitFor(() => h.store.text('backup/new.txt') === 'brand new', 'watched upload');
      renameSync(path.join(h.root, 'new.txt'), path.join(h.root, 'renamed.txt'));
      await waitFor(() => h.store.objects.has('backup/renamed.txt') && !h.store.objects.has('backup/new.txt'), 'watched rename');
      unlinkSync(path.join(h.root, 'a.txt'));
      await waitFor(() => h.manager.journal.get('f1', 'a.txt')?.state === 'deleted-locally', 'watched delete');
      assert.equal(h.store.text('backup/a.txt'), 'alpha');
      await h.manager.whenIdle();
    } finally {
      await h.close();
    }
  });
  }

  test('.cosignore changes are picked up and newly ignored rows become excluded, never deleted', async () => {
    const h = await createHarness({ files: { 'keep.txt': 'k', 'build/out.o': 'o' }, config: { watch: true, deletePolicy: 'mirror', maxDeletePercent: 100 }, manager: { createWatcher: createChokidarWatcher } });
    try {
      await h.manager.whenIdle();
      writeFileSync(path.join(h.root, '.cos-sync-root'), '');
      h.write('.cosignore', 'build/\n');
      await waitFor(() => h.manager.journal.get('f1', 'build/out.o')?.state === 'excluded', 'excluded after .cosignore');
      assert.equal(h.store.text('backup/build/out.o'), 'o');
      await waitFor(() => h.store.objects.has('backup/.cosignore'), '.cosignore itself is synced');
      await h.manager.whenIdle();
    } finally {
      await h.close();
    }
  });

  test('symlinks are excluded with a reason', async () => {
    const h = await createHarness({ files: { 'a.txt': 'alpha' }, start: false });
    try {
      symlinkSync(path.join(h.root, 'a.txt'), path.join(h.root, 'link'));
      await h.manager.start();
      await h.manager.whenIdle();
      const row = h.manager.journal.get('f1', 'link');
      assert.equal(row?.state, 'excluded');
      assert.equal(row?.reason, 'symlink');
      assert.ok(!h.store.objects.has('backup/link'));
      assert.ok(h.files.some((f) => f.path === 'link' && f.state === 'excluded' && f.reason === 'symlink'));
    } finally {
      await h.close();
    }
  });

  test('first sync into a non-empty prefix: identical objects are not uploaded, differing ones are recorded, others untouched', async () => {
    const h = await createHarness({ files: { 'same.txt': 'same content', 'differs.txt': 'local version', 'new.txt': 'new' }, start: false });
    try {
      h.store.seed('backup/same.txt', 'same content', { algorithm: 'AES256' });
      h.store.seed('backup/differs.txt', 'remote version!', { algorithm: 'none' });
      h.store.seed('backup/remote-only.txt', 'keep me');
      await h.manager.start();
      await h.manager.whenIdle();
      assert.ok(!h.store.calls.includes('upload backup/same.txt'));
      assert.equal(h.manager.journal.get('f1', 'same.txt')?.state, 'identical');
      assert.equal(h.store.text('backup/differs.txt'), 'local version');
      assert.ok(h.activity.some((a) => a.action === 'overwrote-different' && a.path === 'differs.txt'));
      assert.equal(h.store.text('backup/remote-only.txt'), 'keep me');
      // The identical object's encryption is confirmed in the background by HEAD.
      await waitFor(() => h.manager.journal.get('f1', 'same.txt')?.verifiedAt !== undefined, 'background verification');
      assert.deepEqual(h.manager.journal.get('f1', 'same.txt')?.encryption, { algorithm: 'AES256' });
      assert.ok(h.files.some((f) => f.path === 'same.txt' && f.state === 'identical' && f.encryption?.algorithm === 'AES256'));
      assert.notEqual(h.manager.journal.remoteListedAt('f1'), undefined);
    } finally {
      await h.close();
    }
  });

  test('identical objects found by a listing with CRCs get their encryption from a background HEAD', async () => {
    const h = await createHarness({ files: { 'one.txt': 'one', 'two.txt': 'two' }, start: false });
    try {
      h.store.listWithCrc = true;
      h.store.seed('backup/one.txt', 'one', { algorithm: 'AES256' });
      h.store.seed('backup/two.txt', 'two', { algorithm: 'none' });
      await h.manager.start();
      await h.manager.whenIdle();
      assert.ok(!h.store.calls.some((c) => c.startsWith('upload')));
      await waitFor(() => h.manager.journal.unverified('f1', 10).length === 0, 'background verification');
      assert.deepEqual(h.manager.journal.get('f1', 'one.txt')?.encryption, { algorithm: 'AES256' });
      assert.deepEqual(h.manager.journal.get('f1', 'two.txt')?.encryption, { algorithm: 'none' });
      assert.ok(h.store.calls.includes('head backup/one.txt') && h.store.calls.includes('head backup/two.txt'));
    } finally {
      await h.close();
    }
  });

  test('mirror: deletes only with the marker, asks above the threshold, deletes after confirmation', async () => {
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}.txt`, `file ${i}`]));
    const watcher = scriptedWatcher();
    const h = await createHarness({ files, config: { deletePolicy: 'mirror', maxDeleteFiles: 2, maxDeletePercent: 100, watch: true }, manager: { createWatcher: watcher.factory } });
    try {
      await h.manager.whenIdle();
      unlinkSync(path.join(h.root, 'f0.txt'));
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      assert.equal(lastState(h), 'error');
      assert.equal(h.loop.status.state === 'error' ? h.loop.status.code : '', 'MarkerMissing');
      assert.ok(h.store.objects.has('backup/f0.txt'));

      writeFileSync(path.join(h.root, '.cos-sync-root'), '');
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      assert.ok(!h.store.objects.has('backup/f0.txt'), 'one delete is within the threshold');
      assert.ok(h.activity.some((a) => a.action === 'deleted-remote' && a.path === 'f0.txt'));
      assert.ok(!h.store.objects.has('backup/.cos-sync-root'), 'the marker is not uploaded');

      for (const i of [1, 2, 3]) unlinkSync(path.join(h.root, `f${i}.txt`));
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      assert.deepEqual(h.loop.status.state === 'confirm-deletes' ? h.loop.status.count : -1, 3);
      assert.ok(h.store.objects.has('backup/f1.txt'));
      // A pass over an unrelated path keeps the question up.
      h.write('f5.txt', 'file 5 changed');
      watcher.emit({ type: 'change', path: 'f5.txt' });
      await waitFor(() => h.store.text('backup/f5.txt') === 'file 5 changed', 'partial pass');
      await h.manager.whenIdle();
      assert.equal(h.loop.status.state, 'confirm-deletes');
      h.loop.confirmDeletes();
      await h.manager.whenIdle();
      assert.equal(lastState(h), 'idle');
      assert.deepEqual([...h.store.objects.keys()].sort(), ['backup/f4.txt', 'backup/f5.txt']);
    } finally {
      await h.close();
    }
  });

  test('backup policy moves deleted files to the trash prefix', async () => {
    const h = await createHarness({ files: { 'a.txt': 'alpha', 'b.txt': 'bravo', 'c.txt': 'charlie', '.cos-sync-root': '' }, config: { deletePolicy: 'backup' } });
    try {
      await h.manager.whenIdle();
      rmSync(path.join(h.root, 'a.txt'));
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      assert.ok(!h.store.objects.has('backup/a.txt'));
      const trashed = [...h.store.objects.keys()].filter((k) => k.startsWith('backup/.cos-sync-trash/'));
      assert.equal(trashed.length, 1);
      assert.match(trashed[0]!, /^backup\/\.cos-sync-trash\/\d{8}T\d{6}Z\/a\.txt$/);
    } finally {
      await h.close();
    }
  });

  test('an unmounted folder (root gone) is an error and deletes nothing', async () => {
    const h = await createHarness({ files: { 'a.txt': 'alpha', '.cos-sync-root': '' }, config: { deletePolicy: 'mirror', maxDeletePercent: 100 } });
    try {
      await h.manager.whenIdle();
      rmSync(h.root, { recursive: true });
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      assert.equal(h.loop.status.state === 'error' ? h.loop.status.code : '', 'FolderUnavailable');
      assert.ok(h.store.objects.has('backup/a.txt'));
      assert.equal(h.manager.journal.get('f1', 'a.txt')?.state, 'synced');
    } finally {
      await h.close();
    }
  });
});
