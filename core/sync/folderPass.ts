/** One pass of a folder: scan (all or some paths), plan against the journal (and the remote on first sync), execute. */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../common/clock.ts';
import { actionBytes, executeActions } from './executor.ts';
import { type ResolvedFolderConfig, TRASH_PREFIX } from './folderConfig.ts';
import type { IgnoreRules } from './ignoreRules.ts';
import type { Journal, JournalEntry } from './journal.ts';
import { errorCount } from './journalErrors.ts';
import { fileCounts } from './journalQueries.ts';
import { type LocalEntry, plan, type RemoteEntry } from './planner.ts';
import type { RateMeter } from './rateMeter.ts';
import type { RemoteStore } from './remoteStore.ts';
import { scanAgainstJournal } from './mergedScan.ts';
import { type Crc64File, type ScanResult, scanFolder } from './scanner.ts';
import type { FolderProblem, FolderStatus, SyncManagerEvents } from './syncStatus.ts';
import type { TokenBucket } from './tokenBucket.ts';

/** What a pass needs. */
export interface FolderPassInput {
  config: ResolvedFolderConfig;
  journal: Journal;
  store: RemoteStore;
  crc64File: Crc64File;
  clock: Clock;
  rules: IgnoreRules;
  /** Paths to rescan, or undefined for a full scan. */
  paths: string[] | undefined;
  signal: AbortSignal;
  /** Deletes the user approved (from 'confirm-deletes'). */
  deletesConfirmed: number | undefined;
  rate: RateMeter;
  bandwidth?: TokenBucket;
  emitFile(event: SyncManagerEvents['file-status'][0]): void;
  emitActivity(event: SyncManagerEvents['activity'][0]): void;
  /** Progress statuses (scanning, syncing) while the pass runs. */
  setStatus(status: FolderStatus): void;
}

/** How a pass ended. */
export type FolderPassOutcome =
  | { kind: 'done'; status: FolderStatus; notice?: FolderProblem; deletesRan: boolean; changedPaths: string[]; fullScanWanted?: boolean }
  | { kind: 'halted'; error: unknown; changedPaths: string[] };

/**
 * Runs one pass. Remote deletes wait for a clean pass (no scan errors, no file errors); the first pass of a folder
 * lists the remote prefix so objects that are already identical are recorded, not uploaded.
 */
export async function runFolderPass(input: FolderPassInput): Promise<FolderPassOutcome> {
  const { journal, config, paths, signal, clock } = input;
  const folderId = config.id;
  input.setStatus({ state: 'scanning', done: 0, total: 0 });
  let lastProgress = 0;
  const onProgress = (done: number, total: number): void => {
    const now = clock.now();
    if (now - lastProgress >= 200 || done === total) {
      lastProgress = now;
      input.setStatus({ state: 'scanning', done, total });
    }
  };
  // Listed before the scan on a folder's first pass: a new file is read for its CRC-64 only when it may equal
  // something — a remote object at its path, or known content of its size (a copy or move source).
  const remote = journal.remoteListedAt(folderId) === undefined ? await listRemote(input) : undefined;
  const sizes = new Map<number, boolean>();
  const needsCrc = (relative: string, size: number): boolean => {
    if (remote?.has(relative)) return true;
    // Asked once per size in a pass: new files often share a few sizes.
    let known = sizes.get(size);
    if (known === undefined) sizes.set(size, (known = journal.hasContentOfSize(folderId, size)));
    return known;
  };
  let known: JournalEntry[] | undefined;
  let scan: ScanResult | undefined;
  if (paths === undefined) {
    // A full pass merges the walk with the journal in path order: unchanged files are never held in memory.
    const merged = await scanAgainstJournal({
      root: config.localPath,
      rules: input.rules,
      crc64File: input.crc64File,
      rows: journal.stampsInPathOrder(folderId),
      row: (relative) => journal.get(folderId, relative),
      contentRows: (size, crc64) => journal.entriesWithContent(folderId, size, crc64),
      needsCrc,
      signal,
      onProgress,
    });
    if (merged.ordered) {
      known = merged.known;
      scan = merged;
    }
  }
  if (!known || !scan) {
    // A partial pass, or a full one whose walk left journal order: both lists of the whole scope in memory.
    known = paths === undefined ? journal.entries(folderId) : journal.entriesUnder(folderId, paths, paths);
    scan = await scanFolder({
      root: config.localPath,
      rules: input.rules,
      crc64File: input.crc64File,
      known: new Map(known.map((entry) => [entry.path, entry])),
      needsCrc,
      ...(paths === undefined ? {} : { paths }),
      signal,
      onProgress,
    });
  }
  if (scan.incompleteDirectories.includes('')) {
    const status: FolderStatus = { state: 'error', code: 'FolderUnavailable', message: `The folder ${config.localPath} cannot be read.`, hint: 'Check that the disk is mounted and the folder exists; nothing is deleted meanwhile.' };
    return { kind: 'done', status, deletesRan: false, changedPaths: [] };
  }
  if (paths !== undefined) await addRenameSources(input, scan.entries, known);
  const counts = fileCounts(journal, folderId);
  const actions = plan(scan.entries, known, {
    now: clock.now(),
    deletePolicy: config.deletePolicy,
    markerPresent: scan.markerPresent,
    maxDeleteFiles: config.maxDeleteFiles,
    maxDeletePercent: config.maxDeletePercent,
    folderFileCount: counts.synced.count + counts.identical.count,
    cleanPass: scan.errors.length === 0 && errorCount(journal, folderId) === 0,
    incompleteDirectories: scan.incompleteDirectories,
    isIgnored: (p) => input.rules.ignores(p, false),
    ...(input.deletesConfirmed === undefined ? {} : { deletesConfirmed: input.deletesConfirmed }),
    ...(remote ? { remote } : {}),
    partial: paths !== undefined,
    trashFolder: `${TRASH_PREFIX}${new Date(clock.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}/`,
  });

  const transfers = actions.filter((action) => action.type === 'upload' || action.type === 'copy' || action.type === 'move' || action.type === 'identical');
  const progress = { filesDone: 0, filesTotal: transfers.length, bytesDone: 0, bytesTotal: actions.reduce((sum, action) => sum + actionBytes(action), 0) };
  let lastEmit = 0;
  const report = (force: boolean): void => {
    const now = clock.now();
    if (!force && now - lastEmit < 200) return;
    lastEmit = now;
    const rate = input.rate.rate();
    input.setStatus({ state: 'syncing', ...progress, rate, etaSeconds: rate > 0 ? Math.ceil((progress.bytesTotal - progress.bytesDone) / rate) : undefined });
  };
  if (transfers.length > 0) report(true);
  const result = await executeActions(actions, {
    folderId,
    root: config.localPath,
    prefix: config.prefix,
    journal,
    store: input.store,
    clock,
    concurrency: config.concurrency,
    ...(input.bandwidth ? { bandwidth: input.bandwidth } : {}),
    signal,
    emitFile: input.emitFile,
    emitActivity: input.emitActivity,
    onBytes: (delta) => {
      progress.bytesDone += delta;
      input.rate.record(delta);
      report(false);
    },
    onFileDone: () => {
      progress.filesDone++;
      report(false);
    },
  });
  if (result.halted !== undefined) return { kind: 'halted', error: result.halted, changedPaths: result.changedPaths };
  signal.throwIfAborted();
  if (remote) journal.setRemoteListed(folderId);

  const deletesRan = actions.some((action) => action.type === 'delete' || action.type === 'backup') && result.deletesDeferred === 0;
  const outcome = { kind: 'done' as const, deletesRan, changedPaths: result.changedPaths };
  for (const action of actions) {
    if (action.type === 'confirm-deletes') return { ...outcome, status: { state: 'confirm-deletes', count: action.count } };
    if (action.type === 'refuse-deletes') {
      return { ...outcome, status: { state: 'error', code: action.code, message: action.message, hint: 'Create an empty .cos-sync-root file in the folder root to allow deletes, or set the delete policy to keep.' } };
    }
    if (action.type === 'defer-deletes') return { ...outcome, status: { state: 'idle' }, notice: { code: 'DeletesDeferred', message: action.message } };
    if (action.type === 'await-full-scan') return { ...outcome, status: { state: 'idle' }, fullScanWanted: true };
  }
  if (result.deletesDeferred > 0) return { ...outcome, status: { state: 'idle' }, notice: { code: 'DeletesDeferred', message: `${result.deletesDeferred} remote delete(s) wait for a pass without errors.` } };
  return { ...outcome, status: { state: 'idle' } };
}

/**
 * A rename may reach a partial pass as two batches (chokidar holds unlinks back to detect atomic saves): for each
 * new file, journal rows elsewhere with the same content whose file is gone join the plan as vanished rows, so the
 * planner turns them into a server-side move instead of an upload plus a later delete.
 */
async function addRenameSources(input: FolderPassInput, entries: LocalEntry[], known: JournalEntry[]): Promise<void> {
  const inScope = new Set(known.map((entry) => entry.path));
  const local = new Set(entries.map((entry) => entry.path));
  for (const entry of entries) {
    if (entry.kind !== 'file' || entry.crc64 === undefined || inScope.has(entry.path)) continue;
    for (const candidate of input.journal.entriesWithContent(input.config.id, entry.size, entry.crc64)) {
      if (inScope.has(candidate.path) || local.has(candidate.path)) continue;
      const gone = await lstat(path.join(input.config.localPath, candidate.path)).then(
        () => false,
        (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
      );
      if (!gone) continue;
      known.push(candidate);
      inScope.add(candidate.path);
    }
  }
}

/** Lists the remote prefix once for the first sync (objects there may already be identical). */
async function listRemote(input: FolderPassInput): Promise<Map<string, RemoteEntry>> {
  const { prefix } = input.config;
  const remote = new Map<string, RemoteEntry>();
  for await (const object of input.store.listObjects(prefix, input.signal)) {
    const relative = object.key.slice(prefix.length);
    if (!object.key.startsWith(prefix) || relative === '' || relative.startsWith(TRASH_PREFIX)) continue;
    remote.set(relative, { path: relative, size: object.size, etag: object.etag, ...(object.crc64 === undefined ? {} : { crc64: object.crc64 }) });
  }
  return remote;
}
