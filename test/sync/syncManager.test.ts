/** SyncManager: several folders, overflow and periodic rescans, deletes deferred after errors, remove/forget, global pause. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Journal } from '../../core/sync/journal.ts';
import { fileCounts } from '../../core/sync/journalQueries.ts';
import { SyncManager } from '../../core/sync/syncManager.ts';
import type { FolderStatusEvent } from '../../core/sync/syncStatus.ts';
import { crc64FileOf, MemoryRemoteStore } from '../fakes/memoryRemoteStore.ts';
import { manualTimers } from './manualTimers.ts';
import { createHarness, scriptedWatcher, waitFor } from './syncHarness.ts';

describe('SyncManager', () => {
  test('runs several folders into their own prefixes and reports per-folder status', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'cos-sync-manager-'));
    const store = new MemoryRemoteStore();
    const manager = new SyncManager({ journalPath: path.join(base, 'journal.db'), createRemoteStore: () => store, crc64File: crc64FileOf });
    const statuses: FolderStatusEvent[] = [];
    manager.on('folder-status', (s) => statuses.push(s));
    try {
      for (const id of ['one', 'two']) {
        mkdirSync(path.join(base, id));
        writeFileSync(path.join(base, id, `${id}.txt`), id);
        await manager.addFolder({ id, localPath: path.join(base, id), profile: 'p', bucket: 'b', prefix: `/${id}/`, watch: false });
      }
      await assert.rejects(manager.addFolder({ id: 'one', localPath: base, profile: 'p', bucket: 'b', prefix: '' }), /already exists/);
      await manager.start();
      await manager.whenIdle();
      assert.deepEqual([...store.objects.keys()].sort(), ['one/one.txt', 'two/two.txt']);
      assert.deepEqual(new Set(statuses.filter((s) => s.state === 'idle').map((s) => s.folderId)), new Set(['one', 'two']));
      await manager.removeFolder('two', { forget: true });
      assert.equal(manager.folder('two'), undefined);
      assert.equal(fileCounts(manager.journal, 'two').synced.count, 0);
      assert.equal(fileCounts(manager.journal, 'one').synced.count, 1);
    } finally {
      await manager.dispose();
      rmSync(base, { recursive: true, force: true });
    }
    assert.equal(manager.journal.db.isOpen, false, 'the manager closes the journal it opened');
  });

  test('a watcher overflow turns into a full rescan; the watcher is closed on dispose', async () => {
    const watcher = scriptedWatcher();
    const h = await createHarness({ files: { 'a.txt': 'alpha' }, config: { watch: true }, manager: { createWatcher: watcher.factory } });
    try {
      await h.manager.whenIdle();
      h.write('unseen.txt', 'no event for this one');
      watcher.emit({ type: 'overflow', reason: 'queue overflow' });
      await waitFor(() => h.store.objects.has('backup/unseen.txt'), 'rescan after overflow');
      h.write('evented.txt', 'event');
      watcher.emit({ type: 'add', path: 'evented.txt' });
      await waitFor(() => h.store.objects.has('backup/evented.txt'), 'upload after add event');
      await h.manager.whenIdle();
    } finally {
      await h.close();
    }
    assert.equal(watcher.closed(), true);
  });

  test('periodic rescans (hourly ±25 %) find changes without a watcher event', async () => {
    const timers = manualTimers();
    const h = await createHarness({ files: { 'a.txt': 'alpha' }, config: { watch: true, rescanIntervalMs: 3_600_000 }, manager: { timers, clock: timers.clock, random: () => 0, createWatcher: scriptedWatcher().factory } });
    try {
      await h.manager.whenIdle();
      h.write('later.txt', 'later');
      await timers.advance(2_699_000);
      await h.manager.whenIdle();
      assert.ok(!h.store.objects.has('backup/later.txt'));
      await timers.advance(1_000); // 0.75 × 1 h
      await h.manager.whenIdle();
      assert.equal(h.store.text('backup/later.txt'), 'later');
    } finally {
      await h.close();
    }
  });

  test('mirror deletes wait for a pass without errors', async () => {
    const h = await createHarness({ files: { 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c', 'd.txt': 'd', '.cos-sync-root': '' }, config: { deletePolicy: 'mirror' } });
    try {
      await h.manager.whenIdle();
      unlinkSync(path.join(h.root, 'a.txt'));
      h.write('b.txt', 'b changed');
      h.store.failNext('upload', 1, 'fatal', { key: 'backup/b.txt' });
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      assert.ok(h.store.objects.has('backup/a.txt'), 'no delete while a file is in error');
      assert.equal(h.loop.status.warning?.code, 'DeletesDeferred');
      h.write('b.txt', 'b changed again');
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      assert.ok(!h.store.objects.has('backup/a.txt'), 'deleted after a clean pass');
      assert.equal(h.loop.status.warning, undefined);
    } finally {
      await h.close();
    }
  });

  test('stop keeps the folders and their pauses; start runs them again', async () => {
    const h = await createHarness({ files: { 'a.txt': 'alpha' } });
    try {
      await h.manager.whenIdle();
      h.manager.pause('f1');
      await h.manager.stop();
      assert.equal(h.manager.folder('f1')?.pausedByUser, true);
      h.write('b.txt', 'bravo');
      await h.manager.start();
      await h.manager.whenIdle();
      assert.ok(!h.store.objects.has('backup/b.txt'));
      h.manager.resume('f1');
      await waitFor(() => h.store.objects.has('backup/b.txt'), 'upload after restart and resume');
      await h.manager.whenIdle();
    } finally {
      await h.close();
    }
  });

  test('global pause holds folders added later; bandwidth limit can change at run time', async () => {
    const base = mkdtempSync(path.join(tmpdir(), 'cos-sync-manager-'));
    const journal = Journal.open(':memory:');
    const store = new MemoryRemoteStore();
    const manager = new SyncManager({ journal, createRemoteStore: () => store, crc64File: crc64FileOf });
    try {
      await manager.start();
      manager.pause();
      writeFileSync(path.join(base, 'x.txt'), 'x');
      const loop = await manager.addFolder({ id: 'late', localPath: base, profile: 'p', bucket: 'b', prefix: 'late', watch: false });
      await manager.whenIdle();
      assert.equal(loop.status.state, 'paused');
      assert.equal(store.objects.size, 0);
      manager.setBandwidthLimit(1_000_000);
      assert.equal(manager.bandwidth.bytesPerSecond, 1_000_000);
      manager.resume();
      await waitFor(() => store.objects.has('late/x.txt'), 'upload after global resume');
      await manager.whenIdle();
    } finally {
      await manager.dispose();
      assert.equal(journal.db.isOpen, true, 'an injected journal is left to its owner');
      journal.close();
      rmSync(base, { recursive: true, force: true });
    }
  });
});
