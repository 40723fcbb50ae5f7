/** The Aggregator: coalesces watcher events per path, debounces, holds files that keep changing, and turns floods into a rescan. */
import type { Clock } from '../common/clock.ts';
import { systemClock } from '../common/clock.ts';
import { systemTimers, type TimerHandle, type Timers } from './timers.ts';
import type { ChangeKind } from './watcher.ts';

/** What the aggregator hands to the folder loop. */
export type AggregatedBatch = { type: 'paths'; paths: string[] } | { type: 'rescan'; reason: string };

/** Options of {@link Aggregator}. */
export interface AggregatorOptions {
  /** Quiet time per path before it is handed on. Default 300 ms. */
  debounceMs?: number;
  /** A path that keeps changing is handed on anyway after this long. Default 60 s. */
  maxDelayMs?: number;
  /**
   * A hot file (one that changed while it was being uploaded, see {@link Aggregator.pushHot}) is re-checked after
   * this long until its size and mtime hold still. Default 1 s. Other files are handed on as soon as they were
   * quiet for `debounceMs`: the uploader confirms afterwards that the file did not change while it was read.
   */
  hotFileDelayMs?: number;
  /**
   * Extra quiet time for removals (unlink/unlinkDir), so that the new path of a move is usually handed on first or in
   * the same batch ("deletes are scanned last", as Syncthing does). Default 1 s.
   */
  removalDelayMs?: number;
  /** More pending paths than this turn into one full rescan. Default 2,000. */
  floodThreshold?: number;
  /** Stats a relative path (undefined when gone); used for the hot-file check. */
  stat?: (relativePath: string) => Promise<{ size: number; mtimeMs: number } | undefined>;
  clock?: Clock;
  timers?: Timers;
  onBatch(batch: AggregatedBatch): void;
}

interface Pending {
  kind: ChangeKind;
  firstAt: number;
  lastAt: number;
  /** The path changed while it was being uploaded: hold it until its size and mtime hold still. */
  hot?: boolean;
  /** When the next hot-file check is due (set once the path was found still changing). */
  hotUntil?: number;
  stat?: { size: number; mtimeMs: number };
}

/** Coalescing of two events on one path: undefined means they cancel out. */
export function coalesce(previous: ChangeKind, next: ChangeKind): ChangeKind | undefined {
  if (previous === 'add' && next === 'unlink') return undefined;
  if (previous === 'addDir' && next === 'unlinkDir') return undefined;
  if (previous === 'unlink' && (next === 'add' || next === 'change')) return 'change';
  if (previous === 'add' && next === 'change') return 'add';
  if (previous === 'unlinkDir' && next === 'addDir') return 'addDir';
  return next;
}

/**
 * Collects events and calls `onBatch` with the paths that have been quiet for `debounceMs` (and, for hot files,
 * whose size/mtime held still: the hot-file delay). A flood (more than `floodThreshold` pending paths) or an
 * {@link overflow} drops the pending paths and asks for one full rescan. Call {@link close} to cancel its timer.
 */
export class Aggregator {
  readonly #options: Required<Omit<AggregatorOptions, 'stat'>> & Pick<AggregatorOptions, 'stat'>;
  readonly #pending = new Map<string, Pending>();
  #timer: TimerHandle | undefined;
  #timerAt = 0;
  #flushing = false;
  #closed = false;

  constructor(options: AggregatorOptions) {
    this.#options = { debounceMs: 300, maxDelayMs: 60_000, hotFileDelayMs: 1000, removalDelayMs: 1000, floodThreshold: 2000, clock: systemClock, timers: systemTimers, ...options };
  }

  /** Paths waiting to be handed on. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Records one change. */
  push(kind: ChangeKind, path: string): void {
    this.#record(kind, path, false);
  }

  /** Records a file that changed while it was being uploaded (it keeps changing): it waits until it holds still. */
  pushHot(path: string): void {
    this.#record('change', path, true);
  }

  #record(kind: ChangeKind, path: string, hot: boolean): void {
    if (this.#closed) return;
    const now = this.#options.clock.now();
    const existing = this.#pending.get(path);
    if (existing) {
      const merged = coalesce(existing.kind, kind);
      if (merged === undefined) this.#pending.delete(path);
      else Object.assign(existing, { kind: merged, lastAt: now, hotUntil: undefined, hot: existing.hot || hot });
    } else {
      this.#pending.set(path, { kind, firstAt: now, lastAt: now, hot });
    }
    if (this.#pending.size > this.#options.floodThreshold) {
      this.overflow(`more than ${this.#options.floodThreshold} changed paths`);
      return;
    }
    this.#schedule(now + this.#options.debounceMs);
  }

  /** Drops pending paths and asks for a full rescan (watcher overflow or error). */
  overflow(reason: string): void {
    if (this.#closed) return;
    this.#pending.clear();
    this.#cancelTimer();
    this.#options.onBatch({ type: 'rescan', reason });
  }

  /** Cancels the timer and drops pending paths. */
  close(): void {
    this.#closed = true;
    this.#pending.clear();
    this.#cancelTimer();
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#options.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(at: number): void {
    if (this.#closed || this.#pending.size === 0) return;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    this.#cancelTimer();
    this.#timerAt = at;
    this.#timer = this.#options.timers.setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, at - this.#options.clock.now());
  }

  async #flush(): Promise<void> {
    if (this.#flushing || this.#closed) return;
    this.#flushing = true;
    const { maxDelayMs, hotFileDelayMs, clock, stat } = this.#options;
    const ready: string[] = [];
    try {
      const now = clock.now();
      for (const [path, entry] of Array.from(this.#pending)) {
        const overdue = now - entry.firstAt >= maxDelayMs;
        if (!overdue && (now - entry.lastAt < this.#quietMs(entry) || (entry.hotUntil !== undefined && now < entry.hotUntil))) continue;
        if (!overdue && entry.hot && stat && (entry.kind === 'add' || entry.kind === 'change')) {
          const current = await stat(path);
          if (this.#closed || this.#pending.get(path) !== entry) continue;
          const stable = current === undefined || (entry.stat ? entry.stat.size === current.size && entry.stat.mtimeMs === current.mtimeMs : clock.now() - current.mtimeMs >= hotFileDelayMs);
          if (!stable) {
            entry.stat = current;
            entry.hotUntil = clock.now() + hotFileDelayMs;
            continue;
          }
        }
        this.#pending.delete(path);
        ready.push(path);
      }
    } finally {
      this.#flushing = false;
    }
    if (this.#closed) return;
    if (ready.length > 0) this.#options.onBatch({ type: 'paths', paths: ready.sort() });
    this.#scheduleNext();
  }

  /** Quiet time a pending entry needs: removals wait longer. */
  #quietMs(entry: Pending): number {
    const removal = entry.kind === 'unlink' || entry.kind === 'unlinkDir';
    return this.#options.debounceMs + (removal ? this.#options.removalDelayMs : 0);
  }

  #scheduleNext(): void {
    const { maxDelayMs } = this.#options;
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.#pending.values()) next = Math.min(next, Math.min(Math.max(entry.lastAt + this.#quietMs(entry), entry.hotUntil ?? 0), entry.firstAt + maxDelayMs));
    if (next !== Number.POSITIVE_INFINITY) this.#schedule(next);
  }
}
