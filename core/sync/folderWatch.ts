/** FolderWatch: a folder's ignore rules, watcher and aggregator; reports batches and an unreliable watcher to its loop. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../common/clock.ts';
import { CosSyncError } from '../common/errors.ts';
import { type AggregatedBatch, Aggregator } from './aggregator.ts';
import { IgnoreRules } from './ignoreRules.ts';
import type { Timers } from './timers.ts';
import { isWatchLimitError, type Watcher, type WatcherFactory, watchLimitError } from './watcher.ts';

/** Options of {@link FolderWatch}. */
export interface FolderWatchOptions {
  root: string;
  /** Watcher backend; undefined means rescans only. */
  createWatcher: WatcherFactory | undefined;
  /** Backend to switch to when the first one hits the system's watch limit (e.g. one watch per directory). */
  fallbackWatcher?: WatcherFactory | undefined;
  /** Gitignore-style patterns excluded in addition to the defaults and `.cosignore`. */
  excludes?: readonly string[];
  debounceMs: number;
  floodThreshold: number;
  hotFileDelayMs?: number;
  maxDelayMs?: number;
  clock: Clock;
  timers: Timers;
  onBatch(batch: AggregatedBatch): void;
  /** The watcher failed (ENOSPC/EMFILE → code 'WatcherLimit' with the sysctl hint); it is closed and not restarted. */
  onUnreliable(problem: CosSyncError): void;
  /** `.cosignore` exists but cannot be read (defaults apply meanwhile). */
  onRulesError(error: unknown): void;
}

/**
 * Owns the current {@link IgnoreRules}, the watcher (started with those rules, so ignored trees like .git are
 * never watched) and the {@link Aggregator} its events go through. Call {@link close} to release everything.
 */
export class FolderWatch {
  readonly #options: FolderWatchOptions;
  readonly #aggregator: Aggregator;
  #rules = new IgnoreRules();
  #watcher: Watcher | undefined;
  #unreliable = false;
  #usingFallback = false;
  #closed = false;

  constructor(options: FolderWatchOptions) {
    this.#options = options;
    this.#aggregator = new Aggregator({
      debounceMs: options.debounceMs,
      floodThreshold: options.floodThreshold,
      ...(options.hotFileDelayMs === undefined ? {} : { hotFileDelayMs: options.hotFileDelayMs }),
      ...(options.maxDelayMs === undefined ? {} : { maxDelayMs: options.maxDelayMs }),
      clock: options.clock,
      timers: options.timers,
      stat: async (relative) => {
        try {
          const stats = await stat(path.join(options.root, relative));
          return { size: stats.size, mtimeMs: stats.mtimeMs };
        } catch {
          return undefined;
        }
      },
      onBatch: options.onBatch,
    });
  }

  /** The rules in force. */
  get rules(): IgnoreRules {
    return this.#rules;
  }

  /** True once the watcher failed; the loop rescans periodically instead. */
  get unreliable(): boolean {
    return this.#unreliable;
  }

  /** Loads the rules and starts the watcher (if any). */
  async start(): Promise<void> {
    await this.reloadRules();
    await this.#startWatcher();
  }

  /** Re-reads `.cosignore`; when it changed, restarts the watcher so newly un-ignored directories are watched. */
  async reloadRules(): Promise<void> {
    const previous = this.#rules.userText;
    const { rules, error } = await IgnoreRules.load(this.#options.root, this.#options.excludes);
    this.#rules = rules;
    if (error) this.#options.onRulesError(error);
    if (rules.userText !== previous && this.#watcher) {
      const watcher = this.#watcher;
      this.#watcher = undefined;
      await watcher.close();
      await this.#startWatcher();
    }
  }

  /** Feeds a path back through debounce and the hot-file delay (it changed under the executor: it keeps changing). */
  changed(relative: string): void {
    this.#aggregator.pushHot(relative);
  }

  /** Stops the watcher and the aggregator. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#aggregator.close();
    const watcher = this.#watcher;
    this.#watcher = undefined;
    await watcher?.close();
  }

  async #startWatcher(): Promise<void> {
    const factory = this.#usingFallback ? this.#options.fallbackWatcher : this.#options.createWatcher;
    if (!factory || this.#unreliable || this.#closed) return;
    const watcher = factory({ root: this.#options.root, isIgnored: (relative, isDirectory) => this.#rules.ignores(relative, isDirectory ?? false) });
    watcher.on((event) => {
      if (event.type === 'error') {
        if (isWatchLimitError(event.error)) void this.#failed(event.error);
        else this.#aggregator.overflow('watcher error');
      } else if (event.type === 'overflow') this.#aggregator.overflow(event.reason);
      else this.#aggregator.push(event.type, event.path);
    });
    this.#watcher = watcher;
    try {
      await watcher.start();
    } catch (error) {
      await this.#failed(error);
    }
  }

  async #failed(error: unknown): Promise<void> {
    if (this.#unreliable || this.#closed) return;
    const watcher = this.#watcher;
    this.#watcher = undefined;
    await watcher?.close();
    if (isWatchLimitError(error) && this.#options.fallbackWatcher && !this.#usingFallback) {
      // Out of watches (chokidar needs one per file): the lighter backend needs one per directory. Events may have
      // been missed while switching, so the folder is rescanned once.
      this.#usingFallback = true;
      this.#aggregator.overflow('switched to the per-directory watcher');
      await this.#startWatcher();
      return;
    }
    this.#unreliable = true;
    const message = error instanceof Error ? error.message : String(error);
    this.#options.onUnreliable(isWatchLimitError(error) ? watchLimitError(error) : new CosSyncError('WatcherFailed', `The file watcher failed (${message}); changes are found by periodic rescans only.`, { retry: 'fatal', cause: error }));
  }
}
