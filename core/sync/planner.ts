/** The planner: a pure, deterministic function from (local scan × journal × optional remote listing) to actions. */
import type { DeletePolicy } from './folderConfig.ts';
import type { JournalEntry } from './journal.ts';

/** What the scanner found at one path (relative, '/'-separated). */
export type LocalEntry =
  /**
   * `crc64` is undefined when the scan had no reason to read the file: a path without a journal row, remote object or
   * known content of its size has nothing to be compared with, so the upload's own CRC-64 stands for it.
   */
  | { path: string; kind: 'file'; size: number; mtimeMs: number; inode: number | undefined; crc64?: string }
  | { path: string; kind: 'excluded'; reason: string; size: number; mtimeMs: number }
  | { path: string; kind: 'unreadable'; message: string; size: number; mtimeMs: number; inode: number | undefined };

/** A local file as actions carry it. */
export type LocalFile = Extract<LocalEntry, { kind: 'file' }>;

/** A local file whose CRC-64 is known (what content comparisons need). */
export type HashedFile = LocalFile & { crc64: string };

const hashedFile = (file: LocalFile): HashedFile | undefined => (file.crc64 === undefined ? undefined : (file as HashedFile));

/** A remote object known from a listing, keyed by the path relative to the pair's prefix. */
export interface RemoteEntry {
  path: string;
  size: number;
  etag: string;
  crc64?: string;
}

/** Everything the planner decides. Journal-only actions never touch the remote. */
export type Action =
  | { type: 'upload'; path: string; file: LocalFile; reason: 'new' | 'changed' | 'retry' | 'resume'; replaces?: RemoteEntry }
  | { type: 'identical'; path: string; file: HashedFile; remote: RemoteEntry }
  | { type: 'refresh'; path: string; file: HashedFile }
  | { type: 'copy'; path: string; from: string; file: HashedFile }
  | { type: 'move'; path: string; from: string; file: HashedFile }
  | { type: 'delete'; path: string; size: number }
  | { type: 'backup'; path: string; size: number; trashPath: string }
  | { type: 'forget-local'; path: string }
  | { type: 'drop'; path: string }
  | { type: 'exclude'; path: string; reason: string; size: number; mtimeMs: number }
  | { type: 'fail'; path: string; message: string; size: number; mtimeMs: number; inode: number | undefined }
  | { type: 'confirm-deletes'; count: number; paths: string[] }
  | { type: 'refuse-deletes'; count: number; code: 'MarkerMissing'; message: string }
  | { type: 'defer-deletes'; count: number; message: string }
  /** Mirror/backup deletes seen by a partial pass: nothing is deleted until a full pass sees every vanished file. */
  | { type: 'await-full-scan'; count: number };

/** Inputs besides the two lists. */
export interface PlanOptions {
  /** Current time (ms), for error retry times. */
  now: number;
  deletePolicy: DeletePolicy;
  /** Whether `.cos-sync-root` exists in the folder root (mirror/backup refuse every delete without it). */
  markerPresent: boolean;
  /** Ask above this many deletes. */
  maxDeleteFiles: number;
  /** Ask above this share (0–100) of the folder's files. */
  maxDeletePercent: number;
  /** Files the folder holds remotely before this plan (denominator of the percentage). Default: journal rows with remote content. */
  folderFileCount?: number;
  /** The user approved deleting this many files (from a previous 'confirm-deletes'); a plan with at most this many proceeds. */
  deletesConfirmed?: number;
  /** False when the scan or previous pass had errors: deletes wait for a clean pass. */
  cleanPass: boolean;
  /** Directories (relative, '' = root) the scan could not read: journal rows under them are left alone. */
  incompleteDirectories?: readonly string[];
  /** Paths now matched by the ignore rules: their vanished rows become 'excluded', never deleted remotely. */
  isIgnored?: (path: string) => boolean;
  /** Remote objects known from a listing (first sync into a non-empty prefix). */
  remote?: ReadonlyMap<string, RemoteEntry>;
  /** Trash folder of the 'backup' policy, e.g. '.cos-sync-trash/20261127T180000Z/'. */
  trashFolder?: string;
  /**
   * True when the pass covers only some paths (watcher events). A mass delete reaches the watcher in several
   * batches, so mirror/backup deletes then wait for a full pass, where the limits see all of them together.
   */
  partial?: boolean;
}

const order: Record<Action['type'], number> = {
  fail: 0, exclude: 1, refresh: 2, drop: 3, 'forget-local': 4, identical: 5, copy: 6, move: 7, upload: 8, backup: 9, delete: 10,
  'defer-deletes': 11, 'refuse-deletes': 12, 'confirm-deletes': 13, 'await-full-scan': 14,
};

const hasRemoteContent = (entry: JournalEntry): boolean => entry.state === 'synced' || entry.state === 'identical';
const sameStamp = (a: JournalEntry, b: LocalFile): boolean => a.size === b.size && a.mtimeMs === b.mtimeMs && a.inode === b.inode;
const under = (path: string, directory: string): boolean => directory === '' || path.startsWith(`${directory}/`);
const contentKey = (size: number, crc64: string): string => `${size}:${crc64}`;

/**
 * Decides what to do for every path in scope. `local` and `journal` must cover the same scope (a full scan: the
 * whole folder; a partial scan: the same paths and subtrees): a journal row without a local entry means the file
 * vanished. Unchanged files (size + mtime + inode equal to a synced row) produce no action.
 *
 * Renames: a new path whose size + CRC-64 equal a vanished synced row becomes a server-side `move` (copy, then
 * delete the old key — the content is preserved, so this happens under every delete policy); the inode only picks
 * among equal-content candidates, because inode numbers are reused and a rename-plus-edit must not delete the only
 * remote copy of the old content. A new path with the content of a present, unchanged synced row (or of a row
 * deleted locally whose object the 'keep' policy left in place) becomes a server-side `copy`.
 *
 * Deletes: 'keep' marks rows 'deleted-locally'. 'mirror'/'backup' require the marker, a clean pass and a count
 * within the thresholds (or confirmed); otherwise one refuse/defer/confirm action is returned and the rows are left
 * untouched. Output is sorted (journal-only actions, transfers, deletes last) and deterministic.
 */
export function plan(local: readonly LocalEntry[], journal: readonly JournalEntry[], options: PlanOptions): Action[] {
  const actions: Action[] = [];
  const rows = new Map(journal.map((entry) => [entry.path, entry]));
  const localByPath = new Map(local.map((entry) => [entry.path, entry]));
  const present = new Set(localByPath.keys());
  const incomplete = options.incompleteDirectories ?? [];

  // Vanished rows with remote content are the rename sources, indexed by content.
  const vanished: JournalEntry[] = [];
  for (const entry of [...journal].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (present.has(entry.path) || incomplete.some((directory) => under(entry.path, directory))) continue;
    if (options.isIgnored?.(entry.path)) {
      if (entry.state !== 'excluded') actions.push({ type: 'exclude', path: entry.path, reason: 'ignored', size: entry.size, mtimeMs: entry.mtimeMs });
    } else if (entry.state === 'deleted-locally') {
      continue;
    } else if (!hasRemoteContent(entry) || entry.crc64 === undefined) {
      if (entry.remoteEtag !== undefined && entry.state !== 'excluded') vanished.push(entry);
      else actions.push({ type: 'drop', path: entry.path });
    } else {
      vanished.push(entry);
    }
  }
  const sources = new Map<string, JournalEntry[]>();
  for (const entry of vanished) {
    if (!hasRemoteContent(entry) || entry.crc64 === undefined) continue;
    const key = contentKey(entry.size, entry.crc64);
    sources.set(key, [...(sources.get(key) ?? []), entry]);
  }
  // Copy sources: unchanged synced files, and files deleted locally whose remote object was kept ('keep' policy).
  const copySources = new Map<string, string>();
  for (const entry of [...journal].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (entry.crc64 === undefined || copySources.has(contentKey(entry.size, entry.crc64))) continue;
    const file = localByPath.get(entry.path);
    const unchanged = hasRemoteContent(entry) && file?.kind === 'file' && sameStamp(entry, file);
    const kept = entry.state === 'deleted-locally' && entry.remoteEtag !== undefined && !present.has(entry.path);
    if (unchanged || kept) copySources.set(contentKey(entry.size, entry.crc64), entry.path);
  }
  const moved = new Set<string>();

  for (const entry of [...local].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const row = rows.get(entry.path);
    if (entry.kind === 'excluded') {
      if (row?.state !== 'excluded') actions.push({ type: 'exclude', path: entry.path, reason: entry.reason, size: entry.size, mtimeMs: entry.mtimeMs });
      continue;
    }
    if (entry.kind === 'unreadable') {
      actions.push({ type: 'fail', path: entry.path, message: entry.message, size: entry.size, mtimeMs: entry.mtimeMs, inode: entry.inode });
      continue;
    }
    if (row && row.state !== 'excluded') {
      const action = planKnown(entry, row, options.now);
      if (action) actions.push(action);
      continue;
    }
    // A new path (or one that stopped being excluded).
    const remote = options.remote?.get(entry.path);
    const file = hashedFile(entry);
    if (!file) {
      // Not read by the scan: nothing it could equal (the scan reads every file that has a candidate).
      actions.push(remote ? { type: 'upload', path: entry.path, file: entry, reason: 'new', replaces: remote } : { type: 'upload', path: entry.path, file: entry, reason: 'new' });
      continue;
    }
    if (remote && remote.size === file.size && remote.crc64 === file.crc64) {
      actions.push({ type: 'identical', path: entry.path, file, remote });
      continue;
    }
    const key = contentKey(file.size, file.crc64);
    const candidates = (sources.get(key) ?? []).filter((source) => !moved.has(source.path));
    const source = candidates.find((candidate) => candidate.inode !== undefined && candidate.inode === entry.inode) ?? candidates[0];
    if (source && !remote) {
      moved.add(source.path);
      actions.push({ type: 'move', path: entry.path, from: source.path, file });
      continue;
    }
    const copyFrom = copySources.get(key);
    if (copyFrom && !remote) {
      actions.push({ type: 'copy', path: entry.path, from: copyFrom, file });
      continue;
    }
    actions.push(remote ? { type: 'upload', path: entry.path, file: entry, reason: 'new', replaces: remote } : { type: 'upload', path: entry.path, file: entry, reason: 'new' });
  }

  planDeletes(vanished.filter((entry) => !moved.has(entry.path)), journal, options, actions);
  return actions.sort((a, b) => order[a.type] - order[b.type] || (a.type === b.type && 'path' in a && 'path' in b ? (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) : 0));
}

/** The action for a path the journal already knows, or undefined when nothing is to be done. */
function planKnown(file: LocalFile, row: JournalEntry, now: number): Action | undefined {
  switch (row.state) {
    case 'synced':
    case 'identical':
    case 'deleted-locally':
      if (row.state !== 'deleted-locally' && sameStamp(row, file)) return undefined;
      if (row.crc64 !== undefined && row.crc64 === file.crc64 && row.size === file.size) return { type: 'refresh', path: file.path, file: file as HashedFile };
      return { type: 'upload', path: file.path, file, reason: 'changed' };
    case 'queued':
    case 'uploading':
      return { type: 'upload', path: file.path, file, reason: 'resume' };
    case 'error':
      if (!sameStamp(row, file)) return { type: 'upload', path: file.path, file, reason: 'changed' };
      if (row.nextRetryAt === undefined || row.nextRetryAt <= now) return { type: 'upload', path: file.path, file, reason: 'retry' };
      return undefined;
    default:
      return { type: 'upload', path: file.path, file, reason: 'new' };
  }
}

/** Appends delete actions for vanished rows by policy, or one refuse/defer/confirm action. */
function planDeletes(gone: JournalEntry[], journal: readonly JournalEntry[], options: PlanOptions, actions: Action[]): void {
  if (gone.length === 0) return;
  if (options.deletePolicy === 'keep') {
    for (const entry of gone) actions.push({ type: 'forget-local', path: entry.path });
    return;
  }
  const count = gone.length;
  if (!options.markerPresent) {
    actions.push({ type: 'refuse-deletes', count, code: 'MarkerMissing', message: `Refusing to delete ${count} remote file(s): the folder has no .cos-sync-root marker (is the disk mounted?).` });
    return;
  }
  if (options.partial) {
    actions.push({ type: 'await-full-scan', count });
    return;
  }
  if (!options.cleanPass) {
    actions.push({ type: 'defer-deletes', count, message: `${count} remote delete(s) wait for a pass without errors.` });
    return;
  }
  const total = options.folderFileCount ?? journal.filter((entry) => hasRemoteContent(entry) || entry.remoteEtag !== undefined).length;
  const overCount = count > options.maxDeleteFiles;
  const overShare = total > 0 && (count * 100) / total > options.maxDeletePercent;
  if ((overCount || overShare) && (options.deletesConfirmed ?? 0) < count) {
    actions.push({ type: 'confirm-deletes', count, paths: gone.map((entry) => entry.path) });
    return;
  }
  for (const entry of gone) {
    if (options.deletePolicy === 'backup') actions.push({ type: 'backup', path: entry.path, size: entry.size, trashPath: `${options.trashFolder ?? '.cos-sync-trash/'}${entry.path}` });
    else actions.push({ type: 'delete', path: entry.path, size: entry.size });
  }
}
