/** SyncManager: owns the journal (when it opened it), the shared bandwidth limit and one FolderLoop per folder pair. */
import { EventEmitter } from 'node:events';
import type { Clock } from '../common/clock.ts';
import { systemClock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import type { FolderConfig } from './folderConfig.ts';
import { FolderLoop, type FolderLoopOptions } from './folderLoop.ts';
import { Journal } from './journal.ts';
import type { RemoteStore } from './remoteStore.ts';
import type { Crc64File } from './scanner.ts';
import type { SyncManagerEvents } from './syncStatus.ts';
import { systemTimers, type Timers } from './timers.ts';
import { TokenBucket } from './tokenBucket.ts';
import type { WatcherFactory } from './watcher.ts';

/** Options of {@link SyncManager}. */
export interface SyncManagerOptions {
  /** An open journal (the caller closes it) … */
  journal?: Journal;
  /** … or a path to open one at (the manager closes it on dispose). */
  journalPath?: string;
  /** The RemoteStore of a folder pair (core/app adapts CosClient per endpoint profile, bucket and SSE mode). */
  createRemoteStore(folder: FolderConfig): RemoteStore;
  /** CRC-64/ECMA-182 of a file as a decimal string (core/protocol's, injected by core/app). */
  crc64File: Crc64File;
  /** Watcher backend (core/sync/watcherChokidar.ts `createChokidarWatcher`); omit to rely on rescans. */
  createWatcher?: WatcherFactory;
  /** Backend used when `createWatcher` hits the system's watch limit (core/sync/watcherNative.ts `nativeWatcherFactory()`). */
  fallbackWatcher?: WatcherFactory;
  /** Upload limit shared by all folders, bytes/s; 0 = unlimited (default). */
  bandwidthLimit?: number;
  clock?: Clock;
  timers?: Timers;
  random?: () => number;
  /** Where loops log (redacted). Default: silent. */
  logger?: Logger;
  /** Extra FolderLoop tuning (tests). */
  loopOptions?: Pick<FolderLoopOptions, 'hotFileDelayMs' | 'maxDelayMs' | 'probeBaseMs' | 'probeMaxMs' | 'verifyIntervalMs' | 'deleteSettleMs'>;
}

/**
 * Runs every folder pair. Events: 'folder-status', 'file-status', 'activity', 'loop-error' (see
 * {@link SyncManagerEvents}). `start` starts the loops added so far (folders added later start at once);
 * `dispose` stops them all and closes the journal it opened.
 */
export class SyncManager extends EventEmitter<SyncManagerEvents> {
  readonly journal: Journal;
  readonly bandwidth: TokenBucket;
  readonly #options: SyncManagerOptions;
  readonly #ownsJournal: boolean;
  readonly #loops = new Map<string, FolderLoop>();
  #started = false;
  #globallyPaused = false;
  #disposed = false;

  constructor(options: SyncManagerOptions) {
    super();
    if (!options.journal && !options.journalPath) throw new TypeError('SyncManager needs a journal or a journalPath.');
    this.#options = options;
    this.#ownsJournal = !options.journal;
    const clock = options.clock ?? systemClock;
    this.journal = options.journal ?? Journal.open(options.journalPath!, { clock });
    this.bandwidth = new TokenBucket({ bytesPerSecond: options.bandwidthLimit ?? 0, clock });
  }

  /** The loop of a folder, if added. */
  folder(folderId: string): FolderLoop | undefined {
    return this.#loops.get(folderId);
  }

  /** Every loop. */
  get folders(): FolderLoop[] {
    return [...this.#loops.values()];
  }

  /** Adds a folder pair (starting it when the manager runs). Throws if the id exists. */
  async addFolder(config: FolderConfig): Promise<FolderLoop> {
    if (this.#disposed) throw new Error('The SyncManager is disposed.');
    if (this.#loops.has(config.id)) throw new Error(`Folder ${config.id} already exists.`);
    const loop = this.#createLoop(config);
    if (this.#started) await loop.start();
    return loop;
  }

  #createLoop(config: FolderConfig): FolderLoop {
    const options = this.#options;
    const loop = new FolderLoop({
      config,
      journal: this.journal,
      store: options.createRemoteStore(config),
      crc64File: options.crc64File,
      ...(options.createWatcher ? { createWatcher: options.createWatcher } : {}),
      ...(options.fallbackWatcher ? { fallbackWatcher: options.fallbackWatcher } : {}),
      emit: (event, ...args) => void (this.emit as (name: string, ...values: unknown[]) => boolean)(event, ...args),
      clock: options.clock ?? systemClock,
      timers: options.timers ?? systemTimers,
      ...(options.random ? { random: options.random } : {}),
      bandwidth: this.bandwidth,
      ...(options.logger ? { logger: options.logger } : {}),
      ...options.loopOptions,
    });
    this.#loops.set(config.id, loop);
    if (this.#globallyPaused) loop.setGloballyPaused(true);
    return loop;
  }

  /** Stops and removes a folder; with `forget`, deletes its journal rows too (a later re-add starts fresh). */
  async removeFolder(folderId: string, options: { forget?: boolean } = {}): Promise<void> {
    const loop = this.#loops.get(folderId);
    this.#loops.delete(folderId);
    await loop?.dispose();
    if (options.forget) this.journal.forgetFolder(folderId);
  }

  /** Starts every loop. */
  async start(): Promise<void> {
    if (this.#started || this.#disposed) return;
    this.#started = true;
    await Promise.all(this.folders.map((loop) => loop.start()));
  }

  /**
   * Stops every loop (watchers closed, transfers aborted; multipart sessions stay in the journal) but keeps the
   * folders: `start` runs them again (from a full scan). Per-folder pauses are kept.
   */
  async stop(): Promise<void> {
    if (!this.#started || this.#disposed) return;
    this.#started = false;
    const loops = this.folders;
    await Promise.all(loops.map((loop) => loop.dispose()));
    for (const loop of loops) this.#createLoop({ ...loop.config, paused: loop.pausedByUser });
  }

  /** Stops every loop for good and closes the journal if it opened it. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await Promise.all(this.folders.map((loop) => loop.dispose()));
    this.#loops.clear();
    if (this.#ownsJournal) this.journal.close();
  }

  /** Pauses one folder, or all (global switch) when no id is given. */
  pause(folderId?: string): void {
    if (folderId !== undefined) return this.#loops.get(folderId)?.pause();
    this.#globallyPaused = true;
    for (const loop of this.#loops.values()) loop.setGloballyPaused(true);
  }

  /** Resumes one folder, or lifts the global pause when no id is given. */
  resume(folderId?: string): void {
    if (folderId !== undefined) return this.#loops.get(folderId)?.resume();
    this.#globallyPaused = false;
    for (const loop of this.#loops.values()) loop.setGloballyPaused(false);
  }

  /** True while globally paused. */
  get paused(): boolean {
    return this.#globallyPaused;
  }

  /** Changes the shared upload limit (bytes/s, 0 = unlimited). */
  setBandwidthLimit(bytesPerSecond: number): void {
    this.bandwidth.setRate(bytesPerSecond);
  }

  /** Resolves when every folder has no pass running or queued. */
  async whenIdle(): Promise<void> {
    await Promise.all(this.folders.map((loop) => loop.whenIdle()));
  }
}
