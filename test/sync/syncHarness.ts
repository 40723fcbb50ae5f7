/** Test helper: a temp folder, a journal file, a MemoryRemoteStore and a SyncManager, all disposed by `close`. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { FolderConfig } from '../../core/sync/folderConfig.ts';
import type { FolderLoop } from '../../core/sync/folderLoop.ts';
import { Journal } from '../../core/sync/journal.ts';
import { SyncManager, type SyncManagerOptions } from '../../core/sync/syncManager.ts';
import type { ActivityEvent, FileStatusEvent, FolderStatusEvent } from '../../core/sync/syncStatus.ts';
import type { WatchEvent, WatcherFactory } from '../../core/sync/watcher.ts';
import { crc64FileOf, MemoryRemoteStore } from '../fakes/memoryRemoteStore.ts';

/** Everything one end-to-end test needs. */
export interface Harness {
  base: string;
  root: string;
  journalPath: string;
  store: MemoryRemoteStore;
  manager: SyncManager;
  loop: FolderLoop;
  statuses: FolderStatusEvent[];
  files: FileStatusEvent[];
  activity: ActivityEvent[];
  loopErrors: unknown[];
  hashed: string[];
  write(relative: string, content: string | Buffer): void;
  /** Stops the manager and opens a new one on the same journal and store (an app restart). */
  restart(overrides?: Partial<FolderConfig>): Promise<void>;
  close(): Promise<void>;
}

/** Polls until `predicate` holds (real time), failing with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

/** Builds a harness; `files` are written before the manager starts. */
export async function createHarness(options: { files?: Record<string, string | Buffer>; config?: Partial<FolderConfig>; manager?: Partial<SyncManagerOptions>; store?: MemoryRemoteStore; start?: boolean } = {}): Promise<Harness> {
  const base = mkdtempSync(path.join(tmpdir(), 'cos-sync-e2e-'));
  const root = path.join(base, 'folder');
  mkdirSync(root);
  const harness = {
    base,
    root,
    journalPath: path.join(base, 'journal.db'),
    store: options.store ?? new MemoryRemoteStore(),
    statuses: [],
    files: [],
    activity: [],
    loopErrors: [],
    hashed: [],
  } as unknown as Harness;
  harness.write = (relative, content) => {
    mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    writeFileSync(path.join(root, relative), content);
  };
  for (const [relative, content] of Object.entries(options.files ?? {})) harness.write(relative, content);
  const config: FolderConfig = { id: 'f1', localPath: root, profile: 'test', bucket: 'bucket', prefix: 'backup', watch: false, debounceMs: 30, ...options.config };
  let journal: Journal | undefined;
  const open = async (overrides: Partial<FolderConfig> = {}, start = options.start !== false): Promise<void> => {
    journal = Journal.open(harness.journalPath, options.manager?.clock ? { clock: options.manager.clock } : {});
    const manager = new SyncManager({
      journal,
      createRemoteStore: () => harness.store,
      crc64File: async (filePath) => {
        harness.hashed.push(path.relative(root, filePath));
        return crc64FileOf(filePath);
      },
      loopOptions: { hotFileDelayMs: 30, maxDelayMs: 2000, probeBaseMs: 50, probeMaxMs: 200, verifyIntervalMs: 5 },
      ...options.manager,
    });
    manager.on('folder-status', (event) => harness.statuses.push(event));
    manager.on('file-status', (event) => harness.files.push(event));
    manager.on('activity', (event) => harness.activity.push(event));
    manager.on('loop-error', ({ error }) => harness.loopErrors.push(error));
    harness.manager = manager;
    harness.loop = await manager.addFolder({ ...config, ...overrides });
    if (start) await manager.start();
  };
  harness.restart = async (overrides) => {
    await harness.manager.dispose();
    journal?.close();
    await open(overrides, true);
  };
  harness.close = async () => {
    await harness.manager.dispose();
    journal?.close();
    rmSync(base, { recursive: true, force: true });
  };
  await open();
  return harness;
}

/** The last folder state seen. */
export function lastState(harness: Harness): string | undefined {
  return harness.statuses.at(-1)?.state;
}

/** A watcher the test drives by hand. */
export function scriptedWatcher(): { factory: WatcherFactory; emit(event: WatchEvent): void; closed: () => boolean } {
  let listener: ((event: WatchEvent) => void) | undefined;
  let closed = false;
  return {
    factory: () => ({ on: (l) => void (listener = l), start: async () => {}, close: async () => void (closed = true) }),
    emit: (event) => listener?.(event),
    closed: () => closed,
  };
}
