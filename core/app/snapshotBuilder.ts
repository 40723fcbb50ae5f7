/** Keeps the live view of every folder (status, progress, counts, throughput) and emits debounced contract events. */
import type { Journal } from '../sync/journal.ts';
import { fileCounts } from '../sync/journalQueries.ts';
import type { SyncManager } from '../sync/syncManager.ts';
import type { FileStatusEvent, FolderProblem, FolderStatus as SyncFolderStatus, FolderStatusEvent } from '../sync/syncStatus.ts';
import type { AppEvent, AppSnapshot, EngineStatus, FileStateName, FolderCounts, FolderSnapshot, OverallState, ThroughputSample } from './contract.ts';
import type { ManualUploads } from './manualUploads.ts';
import type { StoredFolder, StoreProblem } from './settings.ts';
import { fileRowView, folderStatusView } from './statusViews.ts';

/** What the builder reads from the service. */
export interface SnapshotSources {
  appVersion: string;
  mode: 'desktop' | 'headless';
  journal: Journal;
  manager: SyncManager;
  folders(): readonly StoredFolder[];
  uploads: ManualUploads;
  engineStatus(): Promise<EngineStatus>;
  /** Problems of the settings and secret stores (damaged file kept aside, unsafe backend). */
  storeProblems(): StoreProblem[];
  emit(event: AppEvent): void;
}

interface LiveFolder {
  status: SyncFolderStatus & { warning?: FolderProblem };
  since: number;
  lastSyncedAt: number | null;
}

const overallOrder: OverallState[] = ['error', 'attention', 'offline', 'syncing', 'scanning', 'paused', 'idle'];

/** Builds snapshots and batches fine-grained events (≤ 4/s). */
export class SnapshotBuilder {
  readonly #sources: SnapshotSources;
  readonly #live = new Map<string, LiveFolder>();
  readonly #percent = new Map<string, number>();
  readonly #pendingFiles = new Map<string, Set<string>>();
  readonly #throughput: ThroughputSample[] = [];
  readonly #encryptionCounts = new Map<string, { at: number; encrypted: number; unencrypted: number }>();
  #sequence = 0;
  #snapshotTimer: NodeJS.Timeout | undefined;
  #filesTimer: NodeJS.Timeout | undefined;
  #sampler: NodeJS.Timeout | undefined;
  // Disposing the manager still reports cancelled files; after stop() those must not arm timers that read the closed journal.
  #stopped = false;
  #recountTimer: NodeJS.Timeout | undefined;

  constructor(sources: SnapshotSources) {
    this.#sources = sources;
  }

  /** Starts the one-per-second throughput sampler. */
  start(): void {
    this.#sampler = setInterval(() => {
      const sample = { at: Date.now(), bytesPerSecond: Math.round(this.#rate()) };
      this.#throughput.push(sample);
      if (this.#throughput.length > 120) this.#throughput.shift();
      this.#sources.emit({ type: 'throughput', sample });
    }, 1000);
    this.#sampler.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#sampler);
    clearTimeout(this.#snapshotTimer);
    clearTimeout(this.#filesTimer);
    clearTimeout(this.#recountTimer);
  }

  /** A folder changed state. */
  folderStatus(event: FolderStatusEvent): void {
    const { folderId } = event;
    const status: SyncFolderStatus & { warning?: FolderProblem } = event;
    const previous = this.#live.get(folderId);
    const since = previous && previous.status.state === status.state ? previous.since : Date.now();
    const lastSyncedAt = status.state === 'idle' && previous && previous.status.state !== 'idle' ? Date.now() : (previous?.lastSyncedAt ?? null);
    this.#live.set(folderId, { status, since, lastSyncedAt });
    this.#sources.emit({ type: 'folder-status', folderId, status: folderStatusView(status, since, lastSyncedAt) });
    this.changed();
  }

  /** A file changed state: remember upload progress and batch a `file-changed` event. */
  fileStatus(event: FileStatusEvent): void {
    if (this.#stopped) return;
    const key = `${event.folderId}\u0000${event.path}`;
    if (event.state === 'uploading') this.#percent.set(key, event.percent);
    else this.#percent.delete(key);
    const pending = this.#pendingFiles.get(event.folderId) ?? new Set<string>();
    pending.add(event.path);
    this.#pendingFiles.set(event.folderId, pending);
    this.#filesTimer ??= setTimeout(() => this.#flushFiles(), 250);
    if (event.state !== 'uploading') this.changed();
  }

  /** Live upload percent of a file. */
  percentOf(folderId: string, path: string): number | undefined {
    return this.#percent.get(`${folderId}\u0000${path}`);
  }

  /** Rows per state of a folder (O(1): trigger-maintained counts). */
  stateCounts(folderId: string): Partial<Record<FileStateName, number>> {
    const counts = fileCounts(this.#sources.journal, folderId);
    return Object.fromEntries(Object.entries(counts).filter(([, value]) => value.count > 0).map(([state, value]) => [state, value.count]));
  }

  /** Schedules a debounced `snapshot-changed`. */
  changed(): void {
    if (this.#stopped) return;
    this.#snapshotTimer ??= setTimeout(() => {
      this.#snapshotTimer = undefined;
      void this.snapshot().then((snapshot) => this.#sources.emit({ type: 'snapshot-changed', snapshot }));
    }, 250);
  }

  /** One folder as the UI shows it. */
  folderSnapshot(folder: StoredFolder): FolderSnapshot {
    const live = this.#live.get(folder.id);
    const loop = this.#sources.manager.folder(folder.id);
    const status = live ?? { status: loop?.status ?? { state: 'scanning', done: 0, total: 0 }, since: Date.now(), lastSyncedAt: null };
    const view = loop?.paused && status.status.state !== 'paused' ? { kind: 'paused' as const, since: status.since } : folderStatusView(status.status, status.since, status.lastSyncedAt);
    return {
      id: folder.id,
      localPath: folder.localPath,
      profileId: folder.profileId,
      bucket: folder.bucket,
      prefix: folder.prefix,
      deletePolicy: folder.deletePolicy,
      status: view,
      counts: this.#counts(folder.id),
      lastSyncedAt: status.lastSyncedAt,
    };
  }

  /** The whole snapshot. */
  async snapshot(): Promise<AppSnapshot> {
    const folders = this.#sources.folders().map((folder) => this.folderSnapshot(folder));
    const engine = await this.#sources.engineStatus();
    const totals = folders.reduce<FolderCounts>(
      (sum, folder) => {
        for (const key of Object.keys(sum) as (keyof FolderCounts)[]) sum[key] += folder.counts[key];
        return sum;
      },
      { files: 0, bytes: 0, synced: 0, queued: 0, errors: 0, excluded: 0, encrypted: 0, unencrypted: 0 },
    );
    const errors: AppSnapshot['errors'] = [];
    for (const folder of folders) {
      if (folder.status.kind === 'error') errors.push({ code: folder.status.code, message: folder.status.message, ...(folder.status.hint ? { hint: folder.status.hint } : {}), folderId: folder.id, at: this.#live.get(folder.id)?.since ?? Date.now() });
      const warning = this.#live.get(folder.id)?.status.warning;
      if (warning) errors.push({ ...warning, folderId: folder.id, at: this.#live.get(folder.id)?.since ?? Date.now() });
    }
    if (engine.error) errors.push({ ...engine.error, folderId: null, at: Date.now() });
    for (const problem of this.#sources.storeProblems()) errors.push({ ...problem, folderId: null });
    const kinds = folders.map((folder) => (folder.status.kind === 'confirm-deletes' ? 'attention' : folder.status.kind));
    if (engine.state === 'error') kinds.push('error');
    // Files that failed (an SSE refusal, a file that cannot be read) keep a folder from being up to date even while it idles.
    if (totals.errors > 0) kinds.push('attention');
    let state: OverallState = folders.length === 0 ? 'no-folders' : (overallOrder.find((kind) => kinds.includes(kind as never)) ?? 'idle');
    if (this.#sources.manager.paused && folders.length > 0 && state !== 'error') state = 'paused';
    this.#sequence += 1;
    return {
      sequence: this.#sequence,
      at: Date.now(),
      appVersion: this.#sources.appVersion,
      mode: this.#sources.mode,
      overall: { state, message: overallMessage(state, folders, totals.errors) },
      allPaused: this.#sources.manager.paused,
      folders,
      totals: { ...totals, rate: Math.round(this.#rate()) },
      engine,
      uploads: this.#sources.uploads.summaries(),
      throughput: [...this.#throughput],
      errors,
    };
  }

  #rate(): number {
    let rate = this.#sources.uploads.rate();
    for (const live of this.#live.values()) if (live.status.state === 'syncing') rate += live.status.rate;
    return rate;
  }

  #counts(folderId: string): FolderCounts {
    const counts = fileCounts(this.#sources.journal, folderId);
    const present = Object.entries(counts).filter(([state]) => state !== 'deleted-locally');
    const encryption = this.#encryption(folderId);
    return {
      files: present.reduce((sum, [, value]) => sum + value.count, 0),
      bytes: present.reduce((sum, [, value]) => sum + value.bytes, 0),
      synced: counts.synced.count + counts.identical.count,
      queued: counts.queued.count + counts.uploading.count,
      errors: counts.error.count,
      excluded: counts.excluded.count,
      encrypted: encryption.encrypted,
      unencrypted: encryption.unencrypted,
    };
  }

  /** Encrypted / unencrypted stored objects; recounted at most every 2 s (it is a scan of the folder's rows). */
  #encryption(folderId: string): { encrypted: number; unencrypted: number } {
    const cached = this.#encryptionCounts.get(folderId);
    if (cached && Date.now() - cached.at < 2000) {
      // The pushed snapshot may carry a stale count; push another once the cache has expired so that the last one is right.
      this.#recountTimer ??= setTimeout(() => {
        this.#recountTimer = undefined;
        this.changed();
      }, cached.at + 2000 - Date.now());
      return cached;
    }
    let encrypted = 0;
    let unencrypted = 0;
    const rows = this.#sources.journal.statement("SELECT encryption, count(*) AS n FROM files WHERE folder_id = ? AND state IN ('synced', 'identical') GROUP BY encryption").all(folderId);
    for (const row of rows as { encryption: string | null; n: number }[]) {
      if (row.encryption === 'none') unencrypted += Number(row.n);
      else if (row.encryption !== null) encrypted += Number(row.n);
    }
    const value = { at: Date.now(), encrypted, unencrypted };
    this.#encryptionCounts.set(folderId, value);
    return value;
  }

  #flushFiles(): void {
    this.#filesTimer = undefined;
    for (const [folderId, paths] of this.#pendingFiles) {
      const rows = [...paths].flatMap((path) => {
        const row = this.#sources.journal.get(folderId, path);
        return row ? [fileRowView(row, this.percentOf(folderId, path))] : [];
      });
      if (rows.length > 0) this.#sources.emit({ type: 'file-changed', folderId, rows });
    }
    this.#pendingFiles.clear();
  }
}

function overallMessage(state: OverallState, folders: FolderSnapshot[], failedFiles: number): string {
  const syncing = folders.flatMap((folder) => (folder.status.kind === 'syncing' ? [folder.status] : []));
  switch (state) {
    case 'no-folders':
      return 'No folders are synced yet';
    case 'error':
      return 'Something needs your attention';
    case 'attention':
      if (folders.some((folder) => folder.status.kind === 'confirm-deletes')) return 'Waiting for you to confirm deletions';
      return failedFiles === 1 ? '1 file could not be synced' : `${failedFiles} files could not be synced`;
    case 'offline':
      return 'Offline: waiting for the storage to answer';
    case 'syncing': {
      const done = syncing.reduce((sum, status) => sum + status.filesDone, 0);
      const total = syncing.reduce((sum, status) => sum + status.filesTotal, 0);
      return `Syncing ${done} of ${total} files`;
    }
    case 'scanning':
      return 'Looking for changes';
    case 'paused':
      return 'Paused';
    default:
      return 'Up to date';
  }
}
