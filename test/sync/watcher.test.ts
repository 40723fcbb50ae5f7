/** Both watcher backends (chokidar, fs.watch per directory) on a real temp folder: create, modify, rename, delete, directories; ignored trees pruned. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { IgnoreRules } from '../../core/sync/ignoreRules.ts';
import type { WatchEvent, Watcher, WatcherFactory } from '../../core/sync/watcher.ts';
import { isWatchLimitError, watchLimitError } from '../../core/sync/watcher.ts';
import { createChokidarWatcher } from '../../core/sync/watcherChokidar.ts';
import { nativeWatcherFactory } from '../../core/sync/watcherNative.ts';

let root: string;
let watcher: Watcher | undefined;
let events: WatchEvent[];

async function until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}; saw ${JSON.stringify(events)}`);
    await delay(20);
  }
}
const seen = (type: WatchEvent['type'], p: string): boolean => events.some((e) => e.type === type && 'path' in e && e.path === p);
/** A new or modified file: chokidar says add/change, the fs.watch backend says change. */
const touched = (p: string): boolean => seen('add', p) || seen('change', p);

const backends: [string, WatcherFactory][] = [
  ['chokidar', createChokidarWatcher],
  ['fs.watch per directory', nativeWatcherFactory({ recursive: false })],
];

for (const [name, factory] of backends) describe(`watcher backend: ${name}`, () => {
  beforeEach(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'cos-sync-watch-'));
    mkdirSync(path.join(root, '.git'));
    writeFileSync(path.join(root, 'existing.txt'), 'x');
    events = [];
    const rules = new IgnoreRules();
    watcher = factory({ root, isIgnored: (p, isDirectory) => rules.ignores(p, isDirectory ?? false) });
    watcher.on((event) => events.push(event));
    await watcher.start();
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  test('reports no events for existing files (ignoreInitial)', async () => {
    await delay(150);
    assert.deepEqual(events, []);
  });

  test('sees create, modify, rename and delete of files and directories', async () => {
    writeFileSync(path.join(root, 'new.txt'), 'hello');
    await until(() => touched('new.txt'), 'add new.txt');
    appendFileSync(path.join(root, 'existing.txt'), 'more');
    await until(() => seen('change', 'existing.txt'), 'change existing.txt');
    mkdirSync(path.join(root, 'dir'));
    await until(() => seen('addDir', 'dir'), 'addDir dir');
    writeFileSync(path.join(root, 'dir/inner.txt'), 'inner');
    await until(() => touched('dir/inner.txt'), 'add dir/inner.txt');
    renameSync(path.join(root, 'new.txt'), path.join(root, 'dir/moved.txt'));
    await until(() => seen('unlink', 'new.txt') && touched('dir/moved.txt'), 'rename');
    unlinkSync(path.join(root, 'existing.txt'));
    await until(() => seen('unlink', 'existing.txt'), 'unlink existing.txt');
    rmSync(path.join(root, 'dir'), { recursive: true });
    await until(() => seen('unlinkDir', 'dir'), 'unlinkDir dir');
  });

  test('a directory removed and created again is watched again', async () => {
    mkdirSync(path.join(root, 'sub/deeper'), { recursive: true });
    await until(() => seen('addDir', 'sub'), 'addDir sub');
    await delay(50);
    writeFileSync(path.join(root, 'sub/deeper/one.txt'), '1');
    await until(() => touched('sub/deeper/one.txt'), 'file in a new nested directory');
    rmSync(path.join(root, 'sub'), { recursive: true });
    await until(() => seen('unlinkDir', 'sub'), 'unlinkDir sub');
    events = [];
    mkdirSync(path.join(root, 'sub'));
    await until(() => seen('addDir', 'sub'), 'addDir sub again');
    await delay(50);
    writeFileSync(path.join(root, 'sub/two.txt'), '2');
    await until(() => touched('sub/two.txt'), 'file in the re-created directory');
  });

  test('ignored trees and files produce no events', async () => {
    writeFileSync(path.join(root, '.git/index'), 'git');
    writeFileSync(path.join(root, 'scratch.tmp'), 'tmp');
    writeFileSync(path.join(root, 'marker.txt'), 'real');
    await until(() => touched('marker.txt'), 'add marker.txt');
    await delay(150);
    assert.deepEqual(events.filter((e) => 'path' in e && (e.path.startsWith('.git') || e.path.endsWith('.tmp'))), []);
  });
});

describe('watch limit errors', () => {
  test('ENOSPC/EMFILE are recognised and carry the sysctl hint', () => {
    assert.equal(isWatchLimitError(Object.assign(new Error('x'), { code: 'ENOSPC' })), true);
    assert.equal(isWatchLimitError(Object.assign(new Error('x'), { code: 'EMFILE' })), true);
    assert.equal(isWatchLimitError(Object.assign(new Error('x'), { code: 'EACCES' })), false);
    const error = watchLimitError(new Error('ENOSPC'));
    assert.equal(error.code, 'WatcherLimit');
    assert.match(error.hint ?? '', /sysctl fs\.inotify\.max_user_watches=524288/);
    assert.match(error.hint ?? '', /\/etc\/sysctl\.d/);
  });
});
