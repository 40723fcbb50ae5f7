/** End-to-end faults: per-file retry with backoff, offline/auth halts and probes, multipart resume after a crash, pause, hot files, integrity. */
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadUploadSession } from '../../core/sync/journalSessions.ts';
import type { WatchEvent, WatcherFactory } from '../../core/sync/watcher.ts';
import { nativeWatcherFactory } from '../../core/sync/watcherNative.ts';
import { createHarness, lastState, waitFor } from './syncHarness.ts';
import { manualTimers } from './manualTimers.ts';

/** A watcher backend that reports the inotify limit as soon as it starts. */
const outOfWatches: WatcherFactory = () => {
  let listener: ((event: WatchEvent) => void) | undefined;
  return {
    on: (l) => void (listener = l),
    start: async () => listener?.({ type: 'error', error: Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' }) }),
    close: async () => {},
  };
};

describe('FolderLoop faults', () => {
  test('a failing file is retried after the ×5 backoff (25 s) and then synced', async () => {
    const timers = manualTimers();
    const h = await createHarness({ files: { 'a.txt': 'alpha', 'b.txt': 'bravo' }, manager: { timers, clock: timers.clock, random: () => 0.5 } });
    try {
      h.store.failNext('upload', 1, 'retry', { key: 'backup/a.txt' });
      await h.manager.whenIdle();
      const row = h.manager.journal.get('f1', 'a.txt');
      assert.equal(row?.state, 'error');
      assert.equal(row?.nextRetryAt, timers.clock.now() + 25_000);
      assert.equal(h.manager.journal.get('f1', 'b.txt')?.state, 'synced');
      assert.ok(h.files.some((f) => f.path === 'a.txt' && f.state === 'error' && f.nextRetryAt === row?.nextRetryAt));
      await timers.advance(24_000);
      await h.manager.whenIdle();
      assert.equal(h.manager.journal.get('f1', 'a.txt')?.state, 'error');
      await timers.advance(1_000);
      await h.manager.whenIdle();
      assert.equal(h.manager.journal.get('f1', 'a.txt')?.state, 'synced');
      assert.equal(h.store.text('backup/a.txt'), 'alpha');
    } finally {
      await h.close();
    }
  });

  test('offline: the folder pauses itself, probes, and resumes when the remote is back', async () => {
    const timers = manualTimers();
    const h = await createHarness({ files: { 'a.txt': 'alpha' }, manager: { timers, clock: timers.clock, random: () => 0.5 }, start: false });
    try {
      h.store.offline = true;
      await h.manager.start();
      await h.manager.whenIdle();
      const status = h.loop.status;
      assert.equal(status.state, 'offline');
      assert.ok(status.state === 'offline' && status.nextProbeAt > timers.clock.now());
      await timers.advance(1000);
      assert.equal(h.loop.status.state, 'offline', 'still offline after a failed probe');
      assert.ok(h.store.calls.includes('head backup/.cos-sync-probe'));
      h.store.offline = false;
      await timers.advance(1000);
      await h.manager.whenIdle();
      assert.equal(lastState(h), 'idle');
      assert.equal(h.store.text('backup/a.txt'), 'alpha');
    } finally {
      await h.close();
    }
  });

  test('offline in the middle of uploads puts files back in the queue, not in error', async () => {
    const timers = manualTimers();
    const files = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i}.txt`, `file ${i}`]));
    const h = await createHarness({ files, manager: { timers, clock: timers.clock, random: () => 0.5 } });
    try {
      await h.manager.whenIdle();
      for (let i = 0; i < 8; i++) h.write(`f${i}.txt`, `changed ${i}`);
      h.store.failNext('upload', 1, 'offline', { key: 'backup/f2.txt' });
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      assert.equal(h.loop.status.state, 'offline');
      const states = Array.from({ length: 8 }, (_, i) => h.manager.journal.get('f1', `f${i}.txt`)?.state);
      assert.ok(!states.includes('error'), states.join(','));
      assert.ok(states.includes('queued'));
      await timers.advance(1000);
      await h.manager.whenIdle();
      assert.equal(lastState(h), 'idle');
      for (let i = 0; i < 8; i++) assert.equal(h.store.text(`backup/f${i}.txt`), `changed ${i}`);
    } finally {
      await h.close();
    }
  });

  test('auth errors show an error with a hint and resume after the credentials are fixed', async () => {
    const timers = manualTimers();
    const h = await createHarness({ files: { 'a.txt': 'alpha' }, manager: { timers, clock: timers.clock, random: () => 0.5 }, start: false });
    try {
      h.store.authFailure = true;
      await h.manager.start();
      await h.manager.whenIdle();
      const status = h.loop.status;
      assert.equal(status.state, 'error');
      assert.ok(status.state === 'error' && status.code === 'AccessDenied' && status.hint !== undefined);
      h.store.authFailure = false;
      h.manager.resume('f1');
      await h.manager.whenIdle();
      assert.equal(lastState(h), 'idle');
      assert.equal(h.store.text('backup/a.txt'), 'alpha');
    } finally {
      await h.close();
    }
  });

  test('a multipart upload interrupted by a crash resumes without re-sending finished parts', async () => {
    const timers = manualTimers();
    const big = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    const h = await createHarness({ files: { 'big.bin': big }, manager: { timers, clock: timers.clock, random: () => 0.5 }, start: false });
    try {
      h.store.multipartThreshold = 1000;
      h.store.partSize = 500;
      h.store.failNext('part', 1, 'offline', { key: 'backup/big.bin#4' });
      await h.manager.start();
      await h.manager.whenIdle();
      const stored = loadUploadSession(h.manager.journal, 'f1', 'big.bin');
      assert.deepEqual(stored?.session.parts.map((p) => p.partNumber), [1, 2, 3], 'session and parts persisted');
      const callsBefore = h.store.calls.length;
      await h.restart();
      await h.manager.whenIdle();
      const parts = h.store.calls.slice(callsBefore).filter((c) => c.startsWith('part '));
      assert.deepEqual(parts, ['part backup/big.bin#4', 'part backup/big.bin#5', 'part backup/big.bin#6']);
      assert.deepEqual(h.store.objects.get('backup/big.bin')?.data, big);
      assert.equal(h.manager.journal.get('f1', 'big.bin')?.state, 'synced');
      assert.equal(loadUploadSession(h.manager.journal, 'f1', 'big.bin'), undefined);
    } finally {
      await h.close();
    }
  });

  test('a session is not resumed when the file changed meanwhile', async () => {
    const timers = manualTimers();
    const h = await createHarness({ files: { 'big.bin': Buffer.alloc(3000, 1) }, manager: { timers, clock: timers.clock, random: () => 0.5 }, start: false });
    try {
      h.store.multipartThreshold = 1000;
      h.store.partSize = 500;
      h.store.failNext('part', 1, 'offline', { key: 'backup/big.bin#3' });
      await h.manager.start();
      await h.manager.whenIdle();
      await h.manager.dispose();
      appendFileSync(path.join(h.root, 'big.bin'), Buffer.alloc(100, 2));
      const callsBefore = h.store.calls.length;
      await h.restart();
      await h.manager.whenIdle();
      const parts = h.store.calls.slice(callsBefore).filter((c) => c.startsWith('part '));
      assert.equal(parts[0], 'part backup/big.bin#1');
      assert.equal(parts.length, 7);
      assert.equal(h.store.objects.get('backup/big.bin')?.size, 3100);
    } finally {
      await h.close();
    }
  });

  test('pause stops uploads and resume finishes them (per folder and global)', async () => {
    const files = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}.txt`, `file ${i}`]));
    const h = await createHarness({ files, config: { concurrency: 2 } });
    try {
      h.store.latencyMs = 40;
      h.loop.requestRescan('test');
      await waitFor(() => h.store.objects.size >= 2, 'first uploads');
      h.manager.pause('f1');
      await h.manager.whenIdle();
      assert.equal(h.loop.status.state, 'paused');
      const count = h.store.objects.size;
      assert.ok(count < 12);
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(h.store.objects.size, count);
      h.manager.pause();
      h.manager.resume('f1');
      assert.equal(h.loop.paused, true, 'the global pause still holds');
      h.manager.resume();
      await waitFor(() => h.store.objects.size === 12, 'all uploads after resume');
      await h.manager.whenIdle();
      assert.equal(lastState(h), 'idle');
    } finally {
      await h.close();
    }
  });

  test('a file that changes during its upload gets no CRC recorded and is uploaded again', async () => {
    const h = await createHarness({ files: { 'hot.txt': 'version 1' }, start: false });
    try {
      h.store.latencyMs = 150;
      await h.manager.start();
      await waitFor(() => h.store.calls.includes('upload backup/hot.txt'), 'upload started');
      writeFileSync(path.join(h.root, 'hot.txt'), 'version 2, longer');
      await waitFor(() => h.files.some((f) => f.state === 'error' && f.message.includes('changed while it was uploaded')), 'FileChanged error');
      h.store.latencyMs = 0;
      await waitFor(() => h.manager.journal.get('f1', 'hot.txt')?.state === 'synced', 'synced after the change', 15_000);
      assert.equal(h.store.text('backup/hot.txt'), 'version 2, longer');
      assert.equal(h.manager.journal.get('f1', 'hot.txt')?.crc64, h.store.objects.get('backup/hot.txt')?.crc64);
      await h.manager.whenIdle();
    } finally {
      await h.close();
    }
  });

  test('a CRC-64 mismatch and a missing SSE echo are per-file errors', async () => {
    const h = await createHarness({ files: { 'a.txt': 'alpha' }, start: false });
    try {
      await h.manager.start();
      await h.manager.whenIdle();
      assert.equal(h.manager.journal.get('f1', 'a.txt')?.state, 'synced');
      // A changed file is read by the scan, so the CRC-64 the server reports is compared with the local one.
      h.store.wrongCrc = true;
      h.write('a.txt', 'alpha 1');
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      assert.equal(h.manager.journal.get('f1', 'a.txt')?.errorCode, 'Crc64Mismatch');
      h.store.wrongCrc = false;
      h.store.echoEncryption = false;
      h.write('a.txt', 'alpha 2');
      h.loop.requestRescan('test');
      await h.manager.whenIdle();
      assert.equal(h.manager.journal.get('f1', 'a.txt')?.errorCode, 'SseNotConfirmed');
      assert.equal(lastState(h), 'idle');
    } finally {
      await h.close();
    }
  });

  test('a watcher that hits the inotify limit becomes a warning with the sysctl hint; rescans carry on', async () => {
    const h = await createHarness({ files: { 'a.txt': 'alpha' }, config: { watch: true }, manager: { createWatcher: outOfWatches } });
    try {
      await h.manager.whenIdle();
      assert.equal(h.loop.status.warning?.code, 'WatcherLimit');
      assert.match(h.loop.status.warning?.hint ?? '', /max_user_watches=524288/);
      assert.ok(h.loopErrors.length > 0);
      assert.equal(h.statuses.at(-1)?.warning?.code, 'WatcherLimit');
      assert.equal(h.store.text('backup/a.txt'), 'alpha');
    } finally {
      await h.close();
    }
  });

  test('out of watches, the folder switches to the per-directory watcher and keeps seeing changes', async () => {
    const h = await createHarness({ files: { 'a.txt': 'alpha' }, config: { watch: true, debounceMs: 50 }, manager: { createWatcher: outOfWatches, fallbackWatcher: nativeWatcherFactory() } });
    try {
      await h.manager.whenIdle();
      assert.equal(h.loop.status.warning, undefined);
      h.write('b.txt', 'bravo');
      await waitFor(() => h.store.text('backup/b.txt') === 'bravo', 'the fallback watcher to report the new file', 15_000);
    } finally {
      await h.close();
    }
  });
});
