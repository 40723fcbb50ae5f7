/** FolderLoop: the one serialized loop of a folder pair — watch, aggregate, scan, plan, execute, report. */
import { backoffDelay } from '../common/backoff.ts';
import type { Clock } from '../common/clock.ts';
import { systemClock } from '../common/clock.ts';
import { CosSyncError, describeError, retryClassOf } from '../common/errors.ts';
import { type Logger, silentLogger } from '../common/logger.ts';
import { EncryptionVerifier } from './encryptionVerifier.ts';
import { type FolderConfig, IGNORE_FILE, PROBE_KEY, type ResolvedFolderConfig, resolveFolderConfig } from './folderConfig.ts';
import { runFolderPass } from './folderPass.ts';
import { FolderWatch } from './folderWatch.ts';
import type { Journal } from './journal.ts';
import { dueErrorPaths, nextErrorRetryAt } from './journalErrors.ts';
import { RateMeter } from './rateMeter.ts';
import type { RemoteStore } from './remoteStore.ts';
import type { Crc64File } from './scanner.ts';
import type { FolderProblem, FolderStatus, SyncEmit } from './syncStatus.ts';
import { systemTimers, type TimerHandle, type Timers } from './timers.ts';
import type { TokenBucket } from './tokenBucket.ts';
import type { WatcherFactory } from './watcher.ts';

/** Options of {@link FolderLoop}. */
export interface FolderLoopOptions {
  config: FolderConfig;
  journal: Journal;
  store: RemoteStore;
  crc64File: Crc64File;
  /** Watcher backend; omit (or config.watch false) for rescans only. */
  createWatcher?: WatcherFactory;
  /** Watcher backend used when `createWatcher` runs out of system watches. */
  fallbackWatcher?: WatcherFactory;
  emit: SyncEmit;
  clock?: Clock;
  timers?: Timers;
  /** Random source in [0, 1) for rescan jitter and probe backoff. */
  random?: () => number;
  bandwidth?: TokenBucket;
  /** Aggregator tuning besides the config's debounce/flood (tests shorten these). */
  hotFileDelayMs?: number;
  maxDelayMs?: number;
  /** First probe delay while offline/auth-halted (doubles up to probeMaxMs). Default 5 s. */
  probeBaseMs?: number;
  /** Longest wait between probes. Default 1 min: an outage of any length ends at most a minute after the remote is back. */
  probeMaxMs?: number;
  /** Quiet time after watcher-reported deletes before the full pass that may propagate them. Default 2 s. */
  deleteSettleMs?: number;
  /** Pause between background encryption checks (HEAD). Default 200 ms (5/s). */
  verifyIntervalMs?: number;
  /** Where the loop logs (redacted by core/common/logger). Default: silent. */
  logger?: Logger;
}

/**
 * Owns one folder's watcher, aggregator, timers and journal rows. Work (a full rescan or a set of changed paths)
 * is queued and run strictly one pass at a time. `start` begins with a full scan (changes made while the app was
 * off); `dispose` stops everything and releases every handle.
 */
export class FolderLoop {
  readonly config: ResolvedFolderConfig;
  readonly #options: FolderLoopOptions;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #log: Logger;
  readonly #watch: FolderWatch;
  readonly #rate: RateMeter;
  readonly #verifier: EncryptionVerifier;
  #status: FolderStatus = { state: 'idle' };
  /** Set while the watcher is unreliable (persistent until restart). */
  #watchWarning: FolderProblem | undefined;
  /** Set by the last pass (e.g. deletes deferred). */
  #notice: FolderProblem | undefined;
  #fullPending = false;
  readonly #pendingPaths = new Set<string>();
  #running: Promise<void> | undefined;
  #pass: AbortController | undefined;
  #paused: boolean;
  #globallyPaused = false;
  #halt: { error: unknown; since: number; attempt: number; nextProbeAt: number } | undefined;
  #deletesConfirmed: number | undefined;
  /** The last 'confirm-deletes' or MarkerMissing status, shown instead of 'idle' until a full pass clears it. */
  #deleteGate: FolderStatus | undefined;
  #started = false;
  #disposed = false;
  readonly #timerHandles = new Map<string, TimerHandle>();

  constructor(options: FolderLoopOptions) {
    this.#options = options;
    this.config = resolveFolderConfig(options.config);
    this.#clock = options.clock ?? systemClock;
    this.#timers = options.timers ?? systemTimers;
    this.#random = options.random ?? Math.random;
    this.#log = options.logger ?? silentLogger;
    this.#paused = this.config.paused;
    this.#rate = new RateMeter({ clock: this.#clock });
    this.#watch = new FolderWatch({
      root: this.config.localPath,
      createWatcher: this.config.watch ? options.createWatcher : undefined,
      fallbackWatcher: this.config.watch ? options.fallbackWatcher : undefined,
      excludes: this.config.excludes,
      debounceMs: this.config.debounceMs,
      floodThreshold: this.config.floodThreshold,
      ...(options.hotFileDelayMs === undefined ? {} : { hotFileDelayMs: options.hotFileDelayMs }),
      ...(options.maxDelayMs === undefined ? {} : { maxDelayMs: options.maxDelayMs }),
      clock: this.#clock,
      timers: this.#timers,
      onBatch: (batch) => (batch.type === 'rescan' ? this.requestRescan(batch.reason) : this.#enqueuePaths(batch.paths)),
      onUnreliable: (problem) => this.#watcherFailed(problem),
      onRulesError: (error) => this.#options.emit('loop-error', { folderId: this.id, error }),
    });
    this.#verifier = new EncryptionVerifier({
      folderId: this.config.id,
      prefix: this.config.prefix,
      journal: options.journal,
      store: options.store,
      timers: this.#timers,
      intervalMs: options.verifyIntervalMs ?? 200,
      emit: options.emit,
      onError: (error) => this.#haltIfRemoteDown(error),
      onMissing: (missing) => this.#enqueuePaths([missing]),
    });
  }

  /** The folder id. */
  get id(): string {
    return this.config.id;
  }

  /** Current folder status (with the watcher warning, if any). */
  get status(): FolderStatus & { warning?: FolderProblem } {
    const warning = this.#warning;
    return warning ? { ...this.#status, warning } : this.#status;
  }

  /** The watcher problem, else the last pass's notice. */
  get #warning(): FolderProblem | undefined {
    return this.#watchWarning ?? this.#notice;
  }

  /** True while this folder itself is paused (not counting the global switch). */
  get pausedByUser(): boolean {
    return this.#paused;
  }

  /** True while user-paused or globally paused. */
  get paused(): boolean {
    return this.#paused || this.#globallyPaused;
  }

  /** Registers the folder, starts watching, queues the start-up full scan and the periodic rescans. */
  async start(): Promise<void> {
    if (this.#started || this.#disposed) return;
    this.#started = true;
    const { journal } = this.#options;
    journal.registerFolder(this.config.id, this.config.localPath);
    journal.resetInterrupted(this.config.id);
    await this.#watch.start();
    this.#schedulePeriodicRescan();
    this.requestRescan('start');
    if (this.paused) this.#setStatus({ state: 'paused' });
  }

  /** Stops watching and all work; waits for the running pass to wind down. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#pass?.abort(new CosSyncError('Cancelled', 'The folder loop was stopped.', { retry: 'cancelled' }));
    for (const handle of this.#timerHandles.values()) this.#timers.clearTimeout(handle);
    this.#timerHandles.clear();
    this.#verifier.stop();
    await this.#watch.close();
    await this.#running?.catch(() => {});
  }

  /** Pauses this folder (in-flight uploads are aborted; their multipart sessions stay to resume). */
  pause(): void {
    this.#paused = true;
    this.#applyPause();
  }

  /** Resumes this folder; also retries at once when the remote was offline or rejected the credentials. */
  resume(): void {
    this.#paused = false;
    this.#resumeWork();
  }

  /** Global pause switch, set by the manager. */
  setGloballyPaused(paused: boolean): void {
    this.#globallyPaused = paused;
    if (paused) this.#applyPause();
    else this.#resumeWork();
  }

  /** Queues a full rescan (periodic, manual, watcher overflow, ignore rules changed). */
  requestRescan(reason: string): void {
    this.#log.log('debug', 'full rescan requested', { folderId: this.id, reason });
    this.#fullPending = true;
    this.#pendingPaths.clear();
    this.#kick();
  }

  /** Approves the deletes the folder is waiting for ('confirm-deletes'); they run in the next pass. */
  confirmDeletes(): void {
    if (this.#deleteGate?.state === 'confirm-deletes') this.#deletesConfirmed = this.#deleteGate.count;
    this.requestRescan('deletes confirmed');
  }

  /** Resolves when no pass is running or queued (tests and the CLI's one-shot sync use it). */
  async whenIdle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #enqueuePaths(paths: string[]): void {
    if (paths.includes(IGNORE_FILE)) return this.requestRescan('ignore rules changed');
    if (!this.#fullPending) for (const p of paths) this.#pendingPaths.add(p);
    this.#kick();
  }

  #applyPause(): void {
    this.#verifier.stop();
    this.#pass?.abort(new CosSyncError('Paused', 'The folder was paused.', { retry: 'cancelled' }));
    this.#setStatus({ state: 'paused' });
  }

  #resumeWork(): void {
    if (this.paused || this.#disposed || !this.#started) return;
    if (this.#halt) {
      this.#halt = undefined;
      this.#clearTimer('probe');
    }
    this.requestRescan('resumed');
  }

  #kick(): void {
    if (this.#running || this.#disposed || !this.#started || this.paused || this.#halt) return;
    if (!this.#fullPending && this.#pendingPaths.size === 0) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      this.#kick();
    });
  }

  async #drain(): Promise<void> {
    this.#verifier.stop();
    while (!this.#disposed && !this.paused && !this.#halt && (this.#fullPending || this.#pendingPaths.size > 0)) {
      const paths = this.#fullPending ? undefined : [...this.#pendingPaths];
      this.#fullPending = false;
      this.#pendingPaths.clear();
      const controller = new AbortController();
      this.#pass = controller;
      try {
        await this.#runPass(paths, controller.signal);
      } catch (error) {
        if (controller.signal.aborted || retryClassOf(error) === 'cancelled') {
          if (!this.#disposed) this.#fullPending = true;
        } else if (!this.#haltIfRemoteDown(error)) {
          this.#log.log('error', 'sync pass failed', { folderId: this.id, error: describeError(error) });
          this.#options.emit('loop-error', { folderId: this.id, error });
          this.#setStatus({ state: 'error', code: error instanceof CosSyncError ? error.code : 'SyncFailed', message: error instanceof Error ? error.message : String(error) });
        }
      } finally {
        this.#pass = undefined;
      }
    }
    if (!this.#disposed && !this.paused && !this.#halt) {
      this.#scheduleRetries();
      if (this.#status.state === 'idle') this.#verifier.start();
    }
  }

  async #runPass(paths: string[] | undefined, signal: AbortSignal): Promise<void> {
    if (paths === undefined) await this.#watch.reloadRules();
    const outcome = await runFolderPass({
      config: this.config,
      journal: this.#options.journal,
      store: this.#options.store,
      crc64File: this.#options.crc64File,
      clock: this.#clock,
      rules: this.#watch.rules,
      paths,
      signal,
      deletesConfirmed: this.#deletesConfirmed,
      rate: this.#rate,
      ...(this.#options.bandwidth ? { bandwidth: this.#options.bandwidth } : {}),
      emitFile: (event) => this.#options.emit('file-status', event),
      emitActivity: (event) => this.#options.emit('activity', event),
      setStatus: (status) => this.#setStatus(status),
    });
    // Files that changed under the executor go through the aggregator again (debounce + hot-file delay).
    for (const changed of outcome.changedPaths) this.#watch.changed(changed);
    if (outcome.kind === 'halted') {
      this.#fullPending = true;
      if (!this.#haltIfRemoteDown(outcome.error)) throw outcome.error;
      return;
    }
    if (outcome.deletesRan) this.#deletesConfirmed = undefined;
    // Local deletes seen by the watcher: one full pass shortly after (restarted by every further batch) sees them all.
    if (outcome.fullScanWanted) this.#setTimer('delete-scan', this.#options.deleteSettleMs ?? 2000, () => this.requestRescan('local deletes'));
    this.#notice = outcome.notice;
    // A question about deletes (or a refusal) stays up until a full pass answers it again, even if passes over
    // unrelated paths end idle in between.
    const gate = outcome.status.state === 'confirm-deletes' || (outcome.status.state === 'error' && outcome.status.code === 'MarkerMissing') ? outcome.status : undefined;
    if (paths === undefined || gate) this.#deleteGate = gate;
    this.#setStatus(outcome.status.state === 'idle' && this.#deleteGate ? this.#deleteGate : outcome.status);
  }

  /** For 'auth'/'offline' errors: pause the folder, show it, and probe until the remote answers. */
  #haltIfRemoteDown(error: unknown): boolean {
    const retry = retryClassOf(error);
    if (retry !== 'auth' && retry !== 'offline') return false;
    if (this.#disposed) return true;
    const now = this.#clock.now();
    const attempt = this.#halt ? this.#halt.attempt + 1 : 0;
    const delay = backoffDelay(attempt, { baseMs: this.#options.probeBaseMs ?? 5000, maxMs: this.#options.probeMaxMs ?? 60_000, random: this.#random });
    this.#halt = { error, since: this.#halt?.since ?? now, attempt, nextProbeAt: now + delay };
    this.#log.log('warn', 'remote unavailable, folder paused until a probe succeeds', { folderId: this.id, retry, error: describeError(error), nextProbeInMs: delay });
    this.#pass?.abort(new CosSyncError('Halted', 'The remote is unavailable.', { retry: 'cancelled' }));
    this.#verifier.stop();
    if (retry === 'offline') this.#setStatus({ state: 'offline', since: this.#halt.since, nextProbeAt: this.#halt.nextProbeAt });
    else {
      const problem = error instanceof CosSyncError ? error : undefined;
      this.#setStatus({ state: 'error', code: problem?.code ?? 'AccessDenied', message: error instanceof Error ? error.message : String(error), hint: problem?.hint ?? 'Check the credentials and permissions of the endpoint profile.', nextProbeAt: this.#halt.nextProbeAt });
    }
    this.#setTimer('probe', delay, () => void this.#probe());
    return true;
  }

  async #probe(): Promise<void> {
    if (!this.#halt || this.#disposed) return;
    try {
      await this.#options.store.headObject(this.config.prefix + PROBE_KEY);
      this.#halt = undefined;
      this.requestRescan('remote is back');
      if (this.paused) this.#setStatus({ state: 'paused' });
    } catch (error) {
      if (!this.#haltIfRemoteDown(error)) {
        // Any other answer means the remote is reachable again.
        this.#halt = undefined;
        this.requestRescan('remote is back');
      }
    }
  }

  /** The watcher cannot be trusted: tell the user how to fix it and fall back to frequent rescans. */
  #watcherFailed(problem: CosSyncError): void {
    if (this.#disposed) return;
    this.#watchWarning = { code: problem.code, message: problem.message, ...(problem.hint ? { hint: problem.hint } : {}) };
    this.#log.log('warn', 'watcher unreliable, falling back to periodic rescans', { folderId: this.id, code: problem.code });
    this.#options.emit('loop-error', { folderId: this.id, error: problem });
    this.#setStatus(this.#status);
    this.#schedulePeriodicRescan();
    this.requestRescan('watcher failed');
  }

  #schedulePeriodicRescan(): void {
    const interval = this.#watch.unreliable || !this.config.watch ? Math.min(this.config.fallbackRescanIntervalMs, this.config.rescanIntervalMs) : this.config.rescanIntervalMs;
    // ±25 % jitter so folders do not all scan at once.
    this.#setTimer('rescan', interval * (0.75 + 0.5 * this.#random()), () => {
      this.requestRescan('periodic');
      this.#schedulePeriodicRescan();
    });
  }

  #scheduleRetries(): void {
    const next = nextErrorRetryAt(this.#options.journal, this.id);
    if (next === undefined) return this.#clearTimer('retry');
    this.#setTimer('retry', Math.max(1000, next - this.#clock.now()), () => {
      const due = dueErrorPaths(this.#options.journal, this.id, this.#clock.now());
      if (due.length > 0) this.#enqueuePaths(due);
      else this.#scheduleRetries();
    });
  }

  #setTimer(name: string, ms: number, callback: () => void): void {
    this.#clearTimer(name);
    if (this.#disposed) return;
    this.#timerHandles.set(name, this.#timers.setTimeout(() => {
      this.#timerHandles.delete(name);
      callback();
    }, ms));
  }

  #clearTimer(name: string): void {
    const handle = this.#timerHandles.get(name);
    if (handle !== undefined) this.#timers.clearTimeout(handle);
    this.#timerHandles.delete(name);
  }

  #setStatus(status: FolderStatus): void {
    if (this.paused && status.state !== 'paused' && status.state !== 'error') status = { state: 'paused' };
    this.#status = status;
    const warning = this.#warning;
    this.#options.emit('folder-status', { ...status, folderId: this.id, ...(warning ? { warning } : {}) });
  }
}
